import { budgetDay } from '../pipedrive/budget-day';
import { connectorShare, dailyTokenBudget } from '../pipedrive/plans';
import type { BudgetLedger } from '../store/budget-ledger';
import type { Connection } from '../store/connections';
import type { ParkedQueue, ParkingStore } from '../store/parking-store';
import type { QboCallLimiter } from '../store/qbo-call-limiter';
import { deduplicationIdFor, groupIdFor, type MessageQueue, released, releasedEventId } from '../sync/sync-message';

/** Less room than this is the exhausted day's remainder, not a new day: releasing would only park it all again. */
const MIN_ROOM_TOKENS = 100;

/**
 * Sends work parked for lack of Pipedrive budget back to the bulk queue once the company's budget
 * day has room for the connector again (called by every poll, so within 15 minutes of the reset).
 */
export async function releaseDeferredWork(
  connection: Connection,
  deps: { parking: ParkingStore; ledger: BudgetLedger; queue: MessageQueue; budgetShare: number; now: number },
): Promise<number> {
  const settings = connection.pipedrive;
  if (!settings || connection.status !== 'active') return 0;
  if ((await deps.parking.count(connection.realmId, 'budget')) === 0) return 0;
  const day = budgetDay(deps.now);
  const share = connectorShare(dailyTokenBudget(settings.plan, settings.seats), deps.budgetShare);
  const { spent } = await deps.ledger.spent(settings.companyId, day);
  if (share - spent < Math.max(MIN_ROOM_TOKENS, share / 100)) return 0;
  return deps.parking.releaseTo(connection.realmId, 'budget', (page) =>
    deps.queue.send(page.map(({ message }) => released(message, `budget-${day}`, deps.now))),
  );
}

/**
 * Sends work parked because QBO throttled it (a 429, or the shared limiter would not wait) back to
 * the queue it came from once the company's QBO block is over (decision 33). The worker calls it
 * after a batch whose QBO calls went through, and every poll calls it, so nothing waits longer
 * than a poll interval even when the queues are empty. The message keeps its event id (a create
 * claim it holds stays its own); the deduplication id names where it was parked, so two releases
 * racing send it once.
 */
export async function releaseThrottledWork(
  realmId: string,
  deps: {
    parking: ParkingStore;
    limiter: QboCallLimiter;
    queues: Record<ParkedQueue, MessageQueue>;
    now: number;
  },
): Promise<number> {
  if ((await deps.parking.count(realmId, 'throttle')) === 0) return 0;
  if ((await deps.limiter.blockedUntil(realmId)) > deps.now) return 0;
  return deps.parking.releaseTo(realmId, 'throttle', async (page) => {
    for (const queue of ['changes', 'bulk'] as const) {
      const messages = page.filter((entry) => (entry.queue ?? 'bulk') === queue);
      if (messages.length === 0) continue;
      await deps.queues[queue].send(
        messages.map(({ message, parkedAs }) => ({
          body: message,
          groupId: groupIdFor(message),
          deduplicationId: deduplicationIdFor(releasedEventId(message.eventId, `qbo-${parkedAs}`), message.realmId),
        })),
      );
    }
  });
}
