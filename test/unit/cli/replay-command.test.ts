import { replayCommand, type ReplayOptions } from '../../../cli/commands/replay';
import type { Io } from '../../../cli/output';
import type { Target } from '../../../cli/targets';
import { OperationRequest } from '../../../functions/operations/requests';
import { replayCustomer } from '../../../functions/operations/replay';
import { DELETED_IN_PIPEDRIVE } from '../../../functions/sync/pipedrive-rules';
import type { LinkView } from '../../../functions/sync/ports';
import type { QueuedMessage } from '../../../functions/sync/sync-message';

const REALM = '9130';

/** The operations function's replay, with its real request schema and decision, over links held in memory. */
function stack(links: LinkView[]) {
  const sent: QueuedMessage[] = [];
  const byId = new Map(links.map((link) => [link.qboId, link]));
  const target: Target = {
    description: 'a test stack',
    invoke: async (_name, payload) => {
      const request = OperationRequest.parse(payload);
      if (request.command !== 'replay-customer') throw new Error(`unexpected ${request.command}`);
      const result = await replayCustomer(request.realmId, request.customerId, request.recreate, {
        queue: { send: (messages) => Promise.resolve(void sent.push(...messages)) },
        now: () => 0,
        links: {
          getMany: (_realm, ids) => {
            const found = new Map<string, LinkView>();
            for (const id of ids) {
              const link = byId.get(id);
              if (link) found.set(id, link);
            }
            return Promise.resolve(found);
          },
        },
      });
      return { ok: true, result };
    },
  };
  return { target, sent };
}

function terminal(interactive: boolean): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (text) => lines.push(text),
    err: (text) => errors.push(text),
    interactive,
    writeFile: () => Promise.resolve(),
    now: () => 0,
    sleep: () => Promise.resolve(),
  };
}

const options = (customer: string, extra: Partial<ReplayOptions> = {}): ReplayOptions => ({
  realm: REALM,
  customer,
  dlq: false,
  list: false,
  json: false,
  recreate: false,
  ...extra,
});

const deleted: LinkView = { qboId: '30', state: 'excluded', orgId: 35, reason: DELETED_IN_PIPEDRIVE };
const merged: LinkView = { qboId: '31', state: 'synced', orgId: 10, orgOwner: '34' };

describe('ml-connector replay of a customer whose organization a rep deleted or merged away (decision 64)', () => {
  it('refuses in a script and names --recreate, queuing nothing', async () => {
    for (const link of [deleted, merged]) {
      const { target, sent } = stack([link]);
      const io = terminal(false);
      expect(await replayCommand(target, io, options(link.qboId))).toBe(1);
      expect(io.errors.join('\n')).toContain('--recreate');
      expect(sent).toEqual([]);
    }
    const io = terminal(false);
    const { target } = stack([merged]);
    await replayCommand(target, io, options(merged.qboId));
    expect(io.errors[0]).toContain('merged in Pipedrive into 10 (customer 34)');
  });

  it('asks at a terminal, and a "no" (the default) queues nothing', async () => {
    const { target, sent } = stack([deleted]);
    const io = terminal(true);
    const questions: string[] = [];
    const code = await replayCommand(target, io, {
      ...options('30'),
      confirm: (question) => {
        questions.push(question);
        return Promise.resolve(false);
      },
    });
    expect(code).toBe(1);
    expect(questions).toEqual(['Recreate? [y/N] ']);
    expect(io.errors[0]).toContain('was deleted in Pipedrive');
    expect(sent).toEqual([]);
  });

  it('queues a replay that recreates on a "yes" or with --recreate', async () => {
    const asked = stack([deleted]);
    expect(
      await replayCommand(asked.target, terminal(true), { ...options('30'), confirm: () => Promise.resolve(true) }),
    ).toBe(0);
    expect(asked.sent.map((message) => [message.body.id, message.body.source, message.body.recreate])).toEqual([
      ['30', 'replay', true],
    ]);
    const flagged = stack([merged]);
    expect(await replayCommand(flagged.target, terminal(false), options('31', { recreate: true }))).toBe(0);
    expect(flagged.sent.map((message) => message.body.recreate)).toEqual([true]);
  });

  it('replays any other customer at once, without asking or recreating', async () => {
    const { target, sent } = stack([{ qboId: '40', state: 'synced', orgId: 12 }]);
    const io = terminal(true);
    const code = await replayCommand(target, io, {
      ...options('40'),
      confirm: () => Promise.reject(new Error('must not ask')),
    });
    expect(code).toBe(0);
    expect(sent.map((message) => [message.body.id, message.body.recreate])).toEqual([['40', undefined]]);
  });
});
