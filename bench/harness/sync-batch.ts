import { groupIdFor, type SyncMessage } from '../../functions/sync/sync-message';
import type { InProcessHarness } from './in-process';
import type { BatchWork } from './virtual-queue';

/** Not processed: an earlier message of its group failed in this batch (Powertools' `skipGroupOnError`). */
export class SkippedAfterGroupFailure extends Error {}

/**
 * What the worker does with one batch (functions/handlers/worker.ts): one prepare, then each
 * message in order; after a failure the rest of that message group is skipped, not processed.
 */
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
    const failedGroups = new Set<string>();
    for (const message of batch) {
      const group = groupIdFor(message);
      if (failedGroups.has(group)) {
        failures.push({ message, error: new SkippedAfterGroupFailure(`group ${group} failed earlier in the batch`) });
        continue;
      }
      try {
        await sync.sync(message, prepared);
      } catch (error) {
        failures.push({ message, error });
        failedGroups.add(group);
      }
    }
    return failures;
  };
}
