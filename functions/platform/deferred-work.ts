import { budgetDay } from '../pipedrive/budget-day';
import { connectorShare, dailyTokenBudget } from '../pipedrive/plans';
import type { BudgetLedger } from '../store/budget-ledger';
import type { Connection } from '../store/connections';
import type { ParkingStore } from '../store/parking-store';
import { type MessageQueue, queued } from '../sync/sync-message';

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
  const messages = await deps.parking.release(connection.realmId, 'budget');
  await deps.queue.send(
    messages.map((message) =>
      queued({ ...message, eventId: `${message.eventId}:budget-${day}`, enqueuedAt: deps.now }),
    ),
  );
  return messages.length;
}
