import * as z from 'zod';
import { operation } from '../operations';
import { type Io, table } from '../output';
import { CliError, type Target } from '../targets';
import { resolveRealm } from './realm';

export interface ReplayOptions {
  realm?: string;
  customer?: string;
  since?: string;
  dlq: boolean;
  list: boolean;
  json: boolean;
  /** With `customer`: create an organization again where a rep deleted or merged it away (decision 64). */
  recreate: boolean;
  /** Asks a yes/no question at a terminal (absent in scripts: `--recreate` answers instead). */
  confirm?: (question: string) => Promise<boolean>;
}

const Replayed = z.union([
  z.object({ enqueued: z.literal(0), needsRecreate: z.string() }),
  z.object({ enqueued: z.number() }),
]);

const DeadLetters = z.object({
  messages: z.array(
    z.object({
      queue: z.string(),
      realmId: z.string().optional(),
      kind: z.string().optional(),
      id: z.string().optional(),
      source: z.string().optional(),
      receiveCount: z.number(),
      sentAt: z.string().optional(),
    }),
  ),
});

export async function replayCommand(target: Target, io: Io, options: ReplayOptions): Promise<number> {
  const chosen = [options.customer !== undefined, options.since !== undefined, options.dlq].filter(Boolean).length;
  if (chosen !== 1) throw new CliError('Choose one of: replay --customer ID | --since TIME | --dlq (see --help)');
  if (options.dlq) {
    const { messages } = await operation(target, { command: 'dead-letters', move: !options.list }, DeadLetters);
    if (options.json) io.out(JSON.stringify(messages, null, 2));
    else if (messages.length === 0) io.out('The dead-letter queues are empty.');
    else {
      io.out(
        table(
          ['queue', 'realm', 'kind', 'id', 'source', 'receives', 'first sent'],
          messages.map((m) => [m.queue, m.realmId, m.kind, m.id, m.source, m.receiveCount, m.sentAt]),
        ),
      );
      io.out(
        options.list
          ? `${messages.length} dead-lettered message(s). Look up why with \`ml-connector audit ID\`; move them back with \`ml-connector replay --dlq\`.`
          : `${messages.length} message(s) moved back to their queue.`,
      );
    }
    return 0;
  }
  // The input is checked before anything is called.
  if (options.customer !== undefined && !/^\d+$/.test(options.customer))
    throw new CliError(`"${options.customer}" is not a QuickBooks customer id (a number).`);
  const since = options.since === undefined ? undefined : new Date(options.since);
  if (since !== undefined && Number.isNaN(since.getTime()))
    throw new CliError(
      `"${options.since ?? ''}" is not a time: use ISO 8601, e.g. 2026-11-20 or 2026-11-20T08:00:00Z.`,
    );
  const realmId = await resolveRealm(target, options.realm);
  if (options.customer !== undefined) {
    const request = { command: 'replay-customer' as const, realmId, customerId: options.customer };
    let replayed = await operation(target, { ...request, recreate: options.recreate }, Replayed);
    if ('needsRecreate' in replayed) {
      // Never silently: a rep did this on purpose (decision 64). Default no.
      const question = `Customer ${options.customer}: ${replayed.needsRecreate}; a replay creates an organization for it again.`;
      io.err(question);
      if (!options.confirm || !io.interactive) {
        io.err(`Nothing queued. Run the command again with --recreate to create it again.`);
        return 1;
      }
      if (!(await options.confirm('Recreate? [y/N] '))) {
        io.err('Nothing queued.');
        return 1;
      }
      replayed = await operation(target, { ...request, recreate: true }, Replayed);
      if ('needsRecreate' in replayed) throw new CliError('The replay was not confirmed.');
    }
    io.out(
      `Customer ${options.customer} queued; every mapped field will be pushed again. Follow it with \`ml-connector audit ${options.customer}\`.`,
    );
    return 0;
  }
  if (since === undefined)
    throw new CliError('Choose one of: replay --customer ID | --since TIME | --dlq (see --help)');
  const from = since.toISOString();
  const result = await operation(
    target,
    { command: 'replay-since', realmId, since: from },
    z.object({ enqueued: z.number(), invalid: z.number() }),
  );
  io.out(
    `${result.enqueued} customer(s) changed since ${from} queued for a full push${result.invalid ? `; ${result.invalid} invalid record(s) skipped` : ''}.`,
  );
  return 0;
}
