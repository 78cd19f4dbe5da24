import * as z from 'zod';
import { CustomerCounts, customerCounts } from '../../functions/operations/customer-counts';
import { describePipedrive } from '../../functions/operations/pipedrive-description';
import { operation } from '../operations';
import { type Io, table, time } from '../output';
import type { Target } from '../targets';

export const AuditEntryView = z.object({
  at: z.number(),
  source: z.string(),
  action: z.string(),
  qboId: z.string(),
  orgId: z.number().optional(),
  pipedriveTokens: z.number().default(0),
  diff: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ kind: z.string(), message: z.string() }).optional(),
  note: z.string().optional(),
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;

const Status = z.object({
  at: z.string(),
  connections: z.array(
    z.object({
      realmId: z.string(),
      companyName: z.string().optional(),
      status: z.string(),
      statusReason: z.string().optional(),
      pipedrive: z
        .object({
          apiDomain: z.string(),
          plan: z.string(),
          seats: z.number(),
          auth: z.string(),
          webhook: z.boolean().optional(),
        })
        .optional(),
      parked: z.number().default(0),
      deferredForBudget: z.number().default(0),
      deferredForThrottling: z.number().default(0),
      tokens: z.array(
        z.object({
          provider: z.string(),
          accessExpiresInMinutes: z.number().nullable(),
          refreshExpiresInDays: z.number().nullable(),
        }),
      ),
      /** `review` is absent from stacks deployed before it was counted. */
      counts: z.object({ ...CustomerCounts.shape, review: z.number().default(0) }),
      budget: z.object({ spent: z.number(), share: z.number(), realmSpent: z.number().default(0) }).optional(),
      /** Absent from stacks deployed before issue 15. */
      qboCalls: z.object({ today: z.number(), month: z.number(), projected: z.number(), cap: z.number() }).optional(),
      /** Absent before the first Pipedrive-side reconcile, and from stacks deployed before decision 64. */
      pipedriveFindings: z
        .object({
          at: z.number(),
          groups: z.array(
            z.object({
              title: z.string(),
              command: z.string(),
              count: z.number(),
              examples: z.array(z.object({ qboId: z.string(), what: z.string() })),
            }),
          ),
        })
        .optional(),
      recent: z.array(AuditEntryView),
    }),
  ),
  pipedriveCompanies: z
    .array(
      z.object({
        companyId: z.string(),
        apiDomain: z.string(),
        spent: z.number(),
        share: z.number(),
        realms: z.array(z.object({ realmId: z.string(), companyName: z.string().optional(), spent: z.number() })),
      }),
    )
    .default([]),
  queues: z.array(z.object({ name: z.string(), visible: z.number(), inFlight: z.number() })),
});
export type Status = z.infer<typeof Status>;

export function fetchStatus(target: Target): Promise<Status> {
  return operation(target, { command: 'status' }, Status);
}

/** What happened, in one line: the changed fields, the error, or the note. */
export function what(entry: AuditEntryView): string {
  if (entry.error) return `${entry.error.kind}: ${entry.error.message}`;
  if (entry.diff) return Object.keys(entry.diff).join(', ');
  return entry.note ?? '';
}

/** What the last Pipedrive-side reconcile found, a line a group with its customers and the command that resolves it. */
function printPipedriveFindings(
  io: Io,
  findings: NonNullable<Status['connections'][number]['pipedriveFindings']>,
): void {
  if (findings.groups.length === 0) {
    io.out(`  Found in Pipedrive (reconcile of ${time(findings.at)}): nothing`);
    return;
  }
  io.out(`  Found in Pipedrive (reconcile of ${time(findings.at)}):`);
  for (const group of findings.groups) {
    const named = group.examples.map((e) => `${e.qboId} (${e.what})`).join('; ');
    const more = group.count > group.examples.length ? `; and ${group.count - group.examples.length} more` : '';
    io.out(`    ${group.title}: ${group.count}: ${named}${more}`);
    io.out(`      resolve: ${group.command}`);
  }
}

export async function statusCommand(target: Target, io: Io, json: boolean): Promise<number> {
  const status = await fetchStatus(target);
  if (json) {
    io.out(JSON.stringify(status, null, 2));
  } else {
    io.out(`ml-connector on ${target.description}, as of ${status.at}`);
    if (status.connections.length === 0)
      io.out('\nNo QuickBooks company is connected yet: run `ml-connector connect quickbooks`.');
    for (const c of status.connections) {
      io.out(
        `\n${c.companyName ?? c.realmId} (realm ${c.realmId}): ${c.status}${c.statusReason ? `: ${c.statusReason}` : ''}`,
      );
      io.out(`  Pipedrive: ${describePipedrive(c.pipedrive)}`);
      io.out(
        `  Customers: ${customerCounts(c.counts)}${c.parked ? `; ${c.parked} change(s) parked until reconnect` : ''}${c.deferredForBudget ? `; ${c.deferredForBudget} waiting for the next Pipedrive budget day` : ''}${c.deferredForThrottling ? `; ${c.deferredForThrottling} waiting for QuickBooks to take calls again` : ''}`,
      );
      if (c.budget) io.out(`  Pipedrive tokens today: ${c.budget.realmSpent} spent for this company`);
      if (c.qboCalls)
        io.out(
          `  QuickBooks calls: ${c.qboCalls.today.toLocaleString('en-US')} today, ${c.qboCalls.month.toLocaleString('en-US')} this month, projected ${c.qboCalls.projected.toLocaleString('en-US')} of the ${c.qboCalls.cap.toLocaleString('en-US')} monthly cap (${Math.round((100 * c.qboCalls.projected) / Math.max(1, c.qboCalls.cap))} %)${c.qboCalls.projected > c.qboCalls.cap ? ': over the cap, QuickBooks would show the app as offline; see the README' : ''}`,
        );
      for (const t of c.tokens)
        io.out(
          `  ${t.provider} token: access ${t.accessExpiresInMinutes === null ? 'does not expire' : `expires in ${t.accessExpiresInMinutes} min`}${t.refreshExpiresInDays === null ? '' : `, refresh in ${t.refreshExpiresInDays} days`}`,
        );
      if (c.pipedriveFindings) printPipedriveFindings(io, c.pipedriveFindings);
      if (c.recent.length > 0) {
        io.out('  Recent activity:');
        io.out(
          table(
            ['time', 'source', 'action', 'customer', 'org', 'tokens', 'what'],
            c.recent
              .slice(0, 10)
              .map((e) => [time(e.at), e.source, e.action, e.qboId, e.orgId, e.pipedriveTokens, what(e)]),
          )
            .split('\n')
            .map((line) => `    ${line}`)
            .join('\n'),
        );
      }
    }
    // The budget is the Pipedrive company's, shared by every realm writing into it: shown once (decision 37).
    for (const company of status.pipedriveCompanies) {
      io.out(
        `\nPipedrive company ${company.apiDomain}: ${company.spent} tokens today of the connector's share of ${company.share}${company.realms.length > 1 ? `, shared by ${company.realms.length} QuickBooks companies` : ''}`,
      );
      for (const realm of company.realms)
        io.out(
          `  ${realm.companyName ?? realm.realmId} (realm ${realm.realmId}): ${realm.spent} (${Math.round((100 * realm.spent) / Math.max(1, company.spent))} %)`,
        );
    }
    io.out('\nQueues:');
    io.out(
      table(
        ['queue', 'waiting', 'in flight'],
        status.queues.map((q) => [q.name, q.visible, q.inFlight]),
      ),
    );
  }
  const unhealthy =
    status.connections.some((c) => c.status !== 'active' || c.counts.failed > 0) ||
    status.queues.some((q) => q.name.includes('DLQ') && q.visible + q.inFlight > 0);
  // A non-zero exit lets a cron job or a CI check alert on it.
  return unhealthy ? 2 : 0;
}
