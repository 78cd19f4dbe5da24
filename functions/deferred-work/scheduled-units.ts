import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from '../shared/zod-mini';
import { TransientError } from '../shared/errors';

/**
 * One connection's share of a scheduled run (decision 38): its CDC poll or its daily reconcile, done
 * by one invocation of the poll function fed by the schedule queue.
 */
export const ScheduledUnit = z.object({
  /** `reconcile` runs both sides; `pipedrive-reconcile` the Pipedrive side only (decision 62). */
  mode: z.enum(['poll', 'reconcile', 'pipedrive-reconcile']),
  realmId: z.string().check(z.minLength(1)),
  /** The schedule's time: a duplicate EventBridge delivery yields the same units, which the FIFO queue drops. */
  scheduledAt: z.string().check(z.minLength(1)),
});
export type ScheduledUnit = z.infer<typeof ScheduledUnit>;

const MAX_BATCH_ENTRIES = 10;

function entry(unit: ScheduledUnit, index: number): SendMessageBatchRequestEntry {
  const key = `${unit.mode}:${unit.realmId}:${unit.scheduledAt}`;
  return {
    Id: `u${index}`,
    MessageBody: JSON.stringify(unit),
    // One realm's units run one after another (a poll never overlaps its reconcile); realms run side by side.
    MessageGroupId: unit.realmId,
    MessageDeduplicationId: createHash('sha256').update(key).digest('hex'),
  };
}

/** Sends the units to the schedule queue, ten at a time; an entry SQS refuses twice is an error. */
export async function dispatchUnits(
  sqs: SQSClient,
  queueUrl: string,
  units: readonly ScheduledUnit[],
): Promise<number> {
  const entries = units.map(entry);
  for (let start = 0; start < entries.length; start += MAX_BATCH_ENTRIES) {
    let pending = entries.slice(start, start + MAX_BATCH_ENTRIES);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      pending = pending.filter((e) => failed.has(e.Id));
      if (pending.length > 0 && attempt >= 1)
        throw new TransientError(`SQS refused ${pending.length} scheduled unit(s)`, { system: 'aws' });
    }
  }
  return entries.length;
}
