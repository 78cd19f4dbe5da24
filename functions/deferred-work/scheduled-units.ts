import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from '../shared/zod-mini';
import { TransientError } from '../shared/errors';
import { SyncMessage } from '../sync/sync-message';

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
  /** A poll asked for by a webhook delivery (decision 65). */
  trigger: z.optional(z.literal('webhook')),
  /** When that delivery arrived: a poll that began reading later has read its changes (decision 66). */
  receivedAt: z.optional(z.number()),
  /**
   * That delivery's events, as the messages it would have sent without the early poll: a poll that
   * does not read (another holds the lease, QBO throttles or fails) sends them instead (decision 65).
   */
  messages: z.optional(z.array(SyncMessage)),
});
export type ScheduledUnit = z.infer<typeof ScheduledUnit>;

const MAX_BATCH_ENTRIES = 10;
/**
 * What one unit may weigh: SQS takes 256 KiB per message, and per send batch. A unit whose messages
 * would not fit carries the first ones only; the rest are read by the next scheduled poll, as the
 * cursor does not move before the early poll has read them (decision 65).
 */
const MAX_UNIT_BYTES = 200 * 1024;

/** The early poll a webhook delivery asks for, named by its events so a resent delivery is dropped. */
export function earlyPollUnit(
  realmId: string,
  key: string,
  messages: readonly SyncMessage[],
  receivedAt: number,
): ScheduledUnit {
  const unit: ScheduledUnit = {
    mode: 'poll',
    realmId,
    scheduledAt: `webhook:${key}`,
    trigger: 'webhook',
    receivedAt,
  };
  const carried: SyncMessage[] = [];
  let bytes = Buffer.byteLength(JSON.stringify(unit));
  for (const message of messages) {
    bytes += Buffer.byteLength(JSON.stringify(message)) + 1;
    if (bytes > MAX_UNIT_BYTES) break;
    carried.push(message);
  }
  return { ...unit, messages: carried };
}

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
