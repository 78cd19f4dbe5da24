import { z } from 'zod';
import { invoke } from '../operations';
import { type Io, table } from '../output';
import type { Target } from '../targets';

const Reconcile = z.object({
  mode: z.string(),
  connections: z.array(
    z.object({
      realmId: z.string(),
      reconcile: z
        .object({
          customers: z.number(),
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
      error: z.string().optional(),
    }),
  ),
});

/** The daily reconcile, now: every QBO customer compared with what was pushed; the differences queued. */
export async function reconcileCommand(
  target: Target,
  io: Io,
  options: { realm?: string; json: boolean },
): Promise<number> {
  io.err(`Reconciling on ${target.description}…`);
  const report = await invoke(
    target,
    'cdc-poll',
    { mode: 'reconcile', ...(options.realm ? { realmId: options.realm } : {}) },
    Reconcile,
  );
  if (options.json) io.out(JSON.stringify(report, null, 2));
  else if (report.connections.length === 0) io.out('No active connection to reconcile.');
  else
    io.out(
      table(
        [
          'realm',
          'customers',
          'in sync',
          'missing',
          'outdated',
          'failed',
          'open balance',
          'orphaned',
          'held',
          'queued',
          'error',
        ],
        report.connections.map((c) => [
          c.realmId,
          c.reconcile?.customers,
          c.reconcile?.inSync,
          c.reconcile?.missing,
          c.reconcile?.outdated,
          c.reconcile?.failed,
          c.reconcile?.openBalance,
          c.reconcile?.orphaned,
          c.reconcile?.heldForReview,
          c.reconcile?.enqueued,
          c.error,
        ]),
      ),
    );
  return report.connections.some((c) => c.error !== undefined) ? 1 : 0;
}
