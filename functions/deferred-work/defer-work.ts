import type { LinkStore } from '../store/link-store';
import type { ParkedQueue, ParkingStore } from '../store/parking-store';
import type { ParkingLane } from '../store/table-schema';
import type { SyncMessage } from '../sync/sync-message';

/** Where a deferred message waits: its lane, and the queue it goes back to when released. */
export interface Deferral {
  lane: ParkingLane;
  queue?: ParkedQueue;
  /** What the customer's link says meanwhile, e.g. `deferred: QuickBooks throttled the request`. */
  reason: string;
}

/**
 * Parks a message's work instead of letting it come back (a return would spend a receive), and
 * marks its customer behind FIRST (decision 33): once parked, another container may release and
 * sync it at once, and a mark written after that sync would say `failed` with no work left to
 * clear it. A mark that fails leaves nothing parked: the error reaches the batch and the message
 * comes back.
 */
export async function deferWork(
  message: SyncMessage,
  messageId: string,
  deferral: Deferral,
  deps: { links: Pick<LinkStore, 'markBehind'>; parking: Pick<ParkingStore, 'park'>; now: number },
): Promise<void> {
  if (message.kind === 'customer') await deps.links.markBehind(message.realmId, message.id, deferral.reason, deps.now);
  await deps.parking.park(message, messageId, deps.now, deferral.lane, deferral.queue);
}
