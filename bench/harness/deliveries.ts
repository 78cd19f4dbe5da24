import { queued, type SyncMessage } from '../../functions/sync/sync-message';
import { NaiveSync, pool } from '../naive/naive-sync';
import { type InProcessHarness, WORKER_SYNC_OPTIONS } from './in-process';
import { workerBatch } from './sync-batch';
import { drainQueue } from './virtual-queue';

/** How the customers behind a set of webhook events get synced. */
export type Delivery = (customerIds: readonly string[]) => Promise<void>;

/** The changes queue's event source (lib/functions.ts): batches of 10, five at once. */
const CHANGES = { batchSize: 10, concurrency: 5 };

/** The connector: one queue message per webhook event, handled by the worker's CustomerSync. */
export function connectorDelivery(harness: InProcessHarness): Delivery {
  return async (ids) => {
    const now = harness.clock.now();
    const messages = ids.map((id, n): SyncMessage => ({
      v: 1,
      realmId: harness.realmId,
      kind: 'customer',
      id,
      operation: 'Update',
      source: 'webhook',
      eventId: `bench-${now}-${n}-${id}`,
      enqueuedAt: now,
    }));
    const run = await drainQueue({
      clock: harness.clock,
      messages: messages.map(queued),
      ...CHANGES,
      work: workerBatch(harness),
    });
    if (run.deadLettered > 0) throw new Error(`${run.deadLettered} messages failed for good`);
  };
}

/** The naive baseline: each event handled on its own, five at once. */
export function naiveDelivery(harness: InProcessHarness): Delivery {
  const naive = new NaiveSync({
    qbo: harness.qbo,
    pipedrive: harness.pipedrive,
    fields: harness.fields,
    options: WORKER_SYNC_OPTIONS,
    realmId: harness.realmId,
    sleep: harness.time.sleep,
  });
  return (ids) => pool(ids, CHANGES.concurrency, (id) => naive.handle({ id }));
}
