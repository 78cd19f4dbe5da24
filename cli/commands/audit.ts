import * as z from 'zod';
import { operation } from '../operations';
import { type Io, table, time } from '../output';
import { CliError, type Target } from '../targets';
import { resolveRealm } from './realm';
import { AuditEntryView, what } from './status';

const Audit = z.object({
  link: z
    .object({
      state: z.string(),
      orgId: z.number().optional(),
      personId: z.number().optional(),
      lastPushedUpdatedTime: z.string().optional(),
    })
    .loose()
    .nullable(),
  entries: z.array(AuditEntryView),
});

/** A customer's story: where it is now, then every sync, newest first. */
export async function auditCommand(
  target: Target,
  io: Io,
  options: { customer: string | undefined; realm?: string; limit: number; json: boolean },
): Promise<number> {
  if (!options.customer || !/^\d+$/.test(options.customer))
    throw new CliError('Usage: ml-connector audit CUSTOMER_ID (the QuickBooks customer id, a number)');
  const realmId = await resolveRealm(target, options.realm);
  const audit = await operation(
    target,
    { command: 'audit', realmId, customerId: options.customer, limit: options.limit },
    Audit,
  );
  if (options.json) {
    io.out(JSON.stringify(audit, null, 2));
    return 0;
  }
  const link = audit.link;
  io.out(
    link
      ? `Customer ${options.customer}: ${link.state}${link.orgId !== undefined ? `, organization ${link.orgId}` : ''}${link.personId !== undefined ? `, person ${link.personId}` : ''}${link.lastPushedUpdatedTime ? `, last pushed the QBO version of ${link.lastPushedUpdatedTime}` : ''}`
      : `Customer ${options.customer} has never been synced.`,
  );
  if (audit.entries.length > 0)
    io.out(
      table(
        ['time', 'source', 'action', 'org', 'tokens', 'what'],
        audit.entries.map((e) => [time(e.at), e.source, e.action, e.orgId, e.pipedriveTokens, what(e)]),
      ),
    );
  return 0;
}
