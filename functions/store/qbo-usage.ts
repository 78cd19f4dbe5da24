import * as z from '../shared/zod-mini';
import { keys } from './table-schema';
import { queryPages, type Table } from './table';

const Day = z.object({ sk: z.string(), calls: z._default(z.number(), 0) });

/**
 * The metered QBO calls of a company per UTC day, counted by the shared call limiter as it admits
 * each call (functions/store/qbo-call-limiter.ts), read for the monthly CorePlus estimate.
 */
export class QboUsage {
  constructor(private readonly table: Table) {}

  /** Calls per day from `fromDay` to `toDay` (both `yyyy-mm-dd`, inclusive); days without calls are absent. */
  async days(realmId: string, fromDay: string, toDay: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const pages = queryPages(this.table, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': keys.qboUsage(realmId, fromDay).pk,
        ':from': keys.qboUsage(realmId, fromDay).sk,
        ':to': keys.qboUsage(realmId, toDay).sk,
      },
    });
    for await (const page of pages)
      for (const item of page) {
        const day = Day.safeParse(item);
        if (day.success) out.set(day.data.sk.slice('DAY#'.length), day.data.calls);
      }
    return out;
  }
}

/** Where the month's calls are heading: spent so far ÷ days elapsed × days in the month, against the cap. */
export function monthlyProjection(
  spentThisMonth: number,
  now: number,
  cap: number,
): { projected: number; daysElapsed: number; daysInMonth: number; overCap: boolean } {
  const date = new Date(now);
  const daysInMonth = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  const monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  // Part days count as parts, so the first hours of a month do not project a whole day's calls 30 times over.
  const daysElapsed = Math.max((now - monthStart) / 86_400_000, 1 / 24);
  const projected = Math.round((spentThisMonth / daysElapsed) * daysInMonth);
  return { projected, daysElapsed: Math.ceil(daysElapsed), daysInMonth, overCap: projected > cap };
}
