import { monthlyProjection, QboUsage } from '../store/qbo-usage';
import type { Table } from '../store/table';

/** QBO's CorePlus cap on the Builder tier: 500,000 metered calls a month (issue 15; configurable). */
export const DEFAULT_QBO_MONTHLY_CALL_CAP = 500_000;

export interface QboCallEstimate {
  today: number;
  month: number;
  /** This month's calls at the pace so far: spent ÷ days elapsed × days in the month. */
  projected: number;
  cap: number;
  daysElapsed: number;
  daysInMonth: number;
}

const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

/** The company's metered QBO calls per day over the last `days` days (oldest first), and the month's estimate. */
export async function qboCallsOf(
  table: Table,
  realmId: string,
  now: number,
  cap: number,
  days = 14,
): Promise<{ estimate: QboCallEstimate; perDay: { day: string; calls: number }[] }> {
  const today = dayOf(now);
  const monthStart = `${today.slice(0, 8)}01`;
  const windowStart = dayOf(now - (days - 1) * 86_400_000);
  const counted = await new QboUsage(table).days(realmId, windowStart < monthStart ? windowStart : monthStart, today);
  let month = 0;
  for (const [day, calls] of counted) if (day >= monthStart) month += calls;
  const { projected, daysElapsed, daysInMonth } = monthlyProjection(month, now, cap);
  const perDay = Array.from({ length: days }, (_, i) => {
    const day = dayOf(now - (days - 1 - i) * 86_400_000);
    return { day, calls: counted.get(day) ?? 0 };
  });
  return {
    estimate: { today: counted.get(today) ?? 0, month, projected, cap, daysElapsed, daysInMonth },
    perDay,
  };
}
