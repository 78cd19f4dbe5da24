import * as z from 'zod';
import { invoke } from '../operations';
import type { Io } from '../output';
import type { Target } from '../targets';
import { customerCounts } from '../../functions/operations/customer-counts';
import { fetchStatus } from './status';

const Reconcile = z.object({
  mode: z.string(),
  connections: z.array(
    z.object({
      realmId: z.string(),
      reconcile: z
        .object({
          customers: z.number(),
          /** Nothing to push: in sync or excluded. */
          inSync: z.number(),
          missing: z.number(),
          outdated: z.number(),
          failed: z.number(),
          openBalance: z.number(),
          orphaned: z.number(),
          heldForReview: z.number().default(0),
          enqueued: z.number(),
        })
        .optional(),
      pipedrive: z
        .object({
          organizations: z.number(),
          links: z.number(),
          findings: z.record(z.string(), z.number()),
          relinked: z.number(),
          excluded: z.number(),
          held: z.number(),
          repushed: z.number(),
          reported: z.number(),
          pipedriveTokens: z.number(),
        })
        .optional(),
      pipedriveError: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
});
type PipedriveSide = NonNullable<z.infer<typeof Reconcile>['connections'][number]['pipedrive']>;

const FINDING_WORDS: Record<string, string> = {
  merged: 'merged away',
  deleted: 'deleted',
  drift: 'edited by hand',
  duplicateIdentity: 'QuickBooks ID on several organizations',
  identityChanged: 'QuickBooks ID changed or cleared',
  personDeleted: 'person deleted',
  personMoved: 'person moved',
};

/** The Pipedrive side's report, in words (decision 62). */
function pipedriveLines(report: PipedriveSide): string[] {
  const found = Object.entries(report.findings).map(([kind, count]) => `${count} ${FINDING_WORDS[kind] ?? kind}`);
  return [
    `  Pipedrive organizations: ${report.organizations} (${report.pipedriveTokens} tokens)`,
    `  Found in Pipedrive: ${found.length > 0 ? found.join(', ') : 'nothing'}`,
    `  Re-linked ${report.relinked}, excluded ${report.excluded}, held for review ${report.held}, queued for a rewrite ${report.repushed}, reported only ${report.reported}.`,
  ];
}
type ReconcileReport = NonNullable<z.infer<typeof Reconcile>['connections'][number]['reconcile']>;

/** Why customers were queued, in words; the parts that are zero are left out. */
function queuedFor(report: ReconcileReport): string {
  const reasons = [
    [report.missing, 'never synced'],
    [report.outdated, 'changed since the last push'],
    [report.failed, 'failing or pending'],
    [report.openBalance, 'with an open balance (its overdue part moves as invoices fall due)'],
    [report.orphaned, 'no longer in QuickBooks (their organizations are flagged)'],
  ] as const;
  const parts = reasons.filter(([count]) => count > 0).map(([count, why]) => `${count} ${why}`);
  return `Queued for a fresh push: ${report.enqueued}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}.`;
}

/**
 * The daily reconcile, now: every QBO customer compared with what was pushed; the differences queued.
 * The customers' states are printed as `status` prints them, so the two never disagree.
 */
export async function reconcileCommand(
  target: Target,
  io: Io,
  options: { realm?: string; json: boolean; pipedrive?: boolean },
): Promise<number> {
  io.err(`Reconciling${options.pipedrive ? ' from the Pipedrive side' : ''} on ${target.description}…`);
  const report = await invoke(
    target,
    'cdc-poll',
    {
      mode: options.pipedrive ? 'pipedrive-reconcile' : 'reconcile',
      ...(options.realm ? { realmId: options.realm } : {}),
    },
    Reconcile,
  );
  const status = await fetchStatus(target);
  const connections = report.connections.map((c) => {
    const now = status.connections.find((s) => s.realmId === c.realmId);
    return { ...c, companyName: now?.companyName, counts: now?.counts };
  });
  if (options.json) io.out(JSON.stringify({ ...report, connections }, null, 2));
  else if (connections.length === 0) io.out('No active connection to reconcile.');
  else
    for (const c of connections) {
      const lines = [`${c.companyName ?? c.realmId} (realm ${c.realmId})`];
      if (c.reconcile) {
        lines.push(`  QuickBooks customers: ${c.reconcile.customers}`);
        if (c.counts) lines.push(`  Customers: ${customerCounts(c.counts)}`);
        lines.push(`  ${queuedFor(c.reconcile)}`);
      }
      if (c.pipedrive) lines.push(...pipedriveLines(c.pipedrive));
      if (c.pipedriveError) lines.push(`  Pipedrive-side reconcile failed: ${c.pipedriveError}`);
      if (c.error) lines.push(`  Reconcile failed: ${c.error}`);
      io.out(lines.join('\n'));
    }
  return report.connections.some((c) => c.error !== undefined || c.pipedriveError !== undefined) ? 1 : 0;
}
