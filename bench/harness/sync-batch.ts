import type { SyncMessage } from '../../functions/sync/sync-message';
import type { InProcessHarness } from './in-process';
import type { BatchWork } from './virtual-queue';

/** What the worker does with one batch (functions/handlers/worker.ts): one prepare, then each message. */
export function workerBatch(harness: InProcessHarness): BatchWork {
  return async (batch, requeue) => {
    const sync = harness.customerSync(requeue);
    const failures: { message: SyncMessage; error: unknown }[] = [];
    let prepared;
    try {
      prepared = await sync.prepare(batch);
    } catch (error) {
      return batch.map((message) => ({ message, error }));
    }
    for (const message of batch) {
      try {
        await sync.sync(message, prepared);
      } catch (error) {
        failures.push({ message, error });
      }
    }
    return failures;
  };
}
