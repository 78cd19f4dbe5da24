import type { InProcessHarness } from '../harness/in-process';
import { WORKER_SYNC_OPTIONS } from '../harness/in-process';
import { NaiveSync, pool } from './naive-sync';

/**
 * The naive backfill of docs/performance.md#the-floors: list every customer, then for each one a QBO read, a
 * Pipedrive name search and a create, two at a time (the connector's bulk concurrency).
 */
export async function naiveBackfill(harness: InProcessHarness): Promise<{ customers: number }> {
  const naive = new NaiveSync({
    qbo: harness.qbo,
    pipedrive: harness.pipedrive,
    fields: harness.fields,
    options: WORKER_SYNC_OPTIONS,
    realmId: harness.realmId,
    sleep: harness.time.sleep,
  });
  const ids: string[] = [];
  for await (const page of harness.qbo.customerPages()) ids.push(...page.customers.map((c) => c.Id));
  await pool(ids, 2, (id) => naive.handle({ id }));
  return { customers: ids.length };
}
