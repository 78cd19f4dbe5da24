import * as z from 'zod';
import { countsInWords, noCustomers } from '../../functions/operations/customer-counts';
import { invoke } from '../operations';
import { type Io, table } from '../output';
import { progressReporter } from '../progress-bar';
import type { Target } from '../targets';
import { resolveRealm } from './realm';
import { fetchStatus } from './status';

const Backfill = z.object({
  summary: z.object({
    customers: z.number(),
    organizations: z.number(),
    linked: z.number(),
    toCreate: z.number(),
    review: z.number(),
    enqueued: z.number(),
    dryRun: z.boolean(),
  }),
  rows: z.array(
    z.object({
      qboId: z.string(),
      customer: z.string(),
      method: z.string(),
      confidence: z.number(),
      orgId: z.number().optional(),
      organization: z.string().optional(),
      action: z.string(),
      candidates: z.array(z.number()).optional(),
    }),
  ),
  csv: z.string(),
});

export interface BackfillOptions {
  realm?: string;
  dryRun: boolean;
  csv?: string;
  wait: boolean;
  waitSeconds: number;
  json: boolean;
}

const TABLE_ROWS = 50;

export async function backfillCommand(target: Target, io: Io, options: BackfillOptions): Promise<number> {
  const realmId = await resolveRealm(target, options.realm);
  io.err(
    `${options.dryRun ? 'Matching (dry run, nothing is written)' : 'Backfilling'} QuickBooks company ${realmId} on ${target.description}…`,
  );
  const report = await invoke(target, 'backfill', { realmId, dryRun: options.dryRun }, Backfill);
  const { summary } = report;
  if (options.csv === '-') io.out(report.csv.trimEnd());
  else if (options.json) io.out(JSON.stringify(summary));
  else {
    const order: Record<string, number> = { review: 0, link: 1, create: 2 };
    const rows = [...report.rows].sort((a, b) => (order[a.action] ?? 3) - (order[b.action] ?? 3));
    io.out(
      table(
        ['action', 'qbo id', 'customer', 'organization', 'org id', 'matched by', 'confidence'],
        rows
          .slice(0, TABLE_ROWS)
          .map((r) => [r.action, r.qboId, r.customer, r.organization, r.orgId, r.method, r.confidence]),
      ),
    );
    if (rows.length > TABLE_ROWS) io.out(`… and ${rows.length - TABLE_ROWS} more rows in the CSV.`);
    io.out(
      `\n${summary.customers} customers, ${summary.organizations} existing organizations: ${summary.linked} matched, ${summary.toCreate} to create, ${summary.review} to review${summary.dryRun ? '' : `; ${summary.enqueued} queued for sync`}.`,
    );
  }
  if (options.csv !== '-') {
    const file =
      options.csv ??
      `ml-connector-match-${realmId}-${new Date(io.now()).toISOString().slice(0, 16).replace(/-/g, '').replace('T', '-').replace(':', '')}.csv`;
    await io.writeFile(file, report.csv);
    io.err(`Match report written to ${file}.`);
  }
  if (summary.dryRun) {
    io.err('Nothing was written. Review the rows marked "review", then run `ml-connector backfill` to apply.');
    return 0;
  }
  return options.wait ? waitForSync(target, io, realmId, summary.enqueued, options.waitSeconds) : 0;
}

/** Follows the backfill through the queue: customers settled (in sync, excluded or failed) out of the total. */
async function waitForSync(
  target: Target,
  io: Io,
  realmId: string,
  total: number,
  waitSeconds: number,
): Promise<number> {
  const deadline = io.now() + waitSeconds * 1000;
  const progress = progressReporter(
    {
      isTTY: io.interactive,
      write: (text) => {
        io.err(text);
      },
    },
    total,
    'customers settled',
  );
  for (;;) {
    const connection = (await fetchStatus(target)).connections.find((c) => c.realmId === realmId);
    const counts = connection?.counts ?? noCustomers();
    progress.update(counts.synced + counts.excluded + counts.failed + counts.review);
    if (counts.synced + counts.excluded + counts.failed + counts.review >= total && counts.pending === 0) {
      progress.finish();
      io.out(`Backfill done: ${countsInWords(counts, ['synced', 'excluded', 'failed'])}.`);
      return counts.failed > 0 ? 2 : 0;
    }
    if (io.now() >= deadline) {
      progress.finish();
      io.out(`Still syncing after ${waitSeconds} s; follow it with \`ml-connector status\`.`);
      return 0;
    }
    await io.sleep(2000);
  }
}
