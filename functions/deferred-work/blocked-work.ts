import type { Connection } from '../store/connections';
import type { ParkingStore } from '../store/parking-store';
import { type MessageQueue, released } from '../sync/sync-message';

/**
 * Sends work held during the Pipedrive company's Cloudflare block (decision 32) back to the bulk
 * queue once the block has lifted (called by every poll, so within 15 minutes of its end).
 */
export async function releaseBlockedWork(
  connection: Connection,
  deps: {
    parking: ParkingStore;
    blocks: { blockedUntil(companyId: string): Promise<number | undefined> };
    queue: MessageQueue;
    now: number;
  },
): Promise<number> {
  const settings = connection.pipedrive;
  if (!settings || connection.status !== 'active') return 0;
  if ((await deps.parking.count(connection.realmId, 'blocked')) === 0) return 0;
  const until = (await deps.blocks.blockedUntil(settings.companyId)) ?? 0;
  if (until > deps.now) return 0;
  // One event id per block: two polls releasing at once send messages SQS deduplicates.
  return deps.parking.releaseTo(connection.realmId, 'blocked', (page) =>
    deps.queue.send(page.map(({ message }) => released(message, `unblocked-${until}`, deps.now))),
  );
}
