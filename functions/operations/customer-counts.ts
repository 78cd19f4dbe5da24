import * as z from '../shared/zod-mini';

/**
 * How many of a connection's customers are in each state, and the words for those states: one
 * wording for the health page, `status`, `reconcile` and the backfill's last line.
 */
export const CustomerCounts = z.object({
  synced: z.number(),
  excluded: z.number(),
  failed: z.number(),
  pending: z.number(),
  review: z.number(),
});
export type CustomerCounts = z.infer<typeof CustomerCounts>;
type CustomerState = keyof CustomerCounts;

export function noCustomers(): CustomerCounts {
  return { synced: 0, excluded: 0, failed: 0, pending: 0, review: 0 };
}

/** Each state's name, as a heading or label shows it ("In sync"); in a sentence it is lower-cased. */
export const CUSTOMER_STATE_LABELS: Record<CustomerState, string> = {
  failed: 'Failing',
  review: 'Held for review',
  pending: 'Pending',
  excluded: 'Excluded',
  synced: 'In sync',
};

/** The counts of `states`, in that order, in words: "3 in sync, 1 excluded, 0 failing". */
export function countsInWords(counts: CustomerCounts, states: readonly CustomerState[]): string {
  return states.map((state) => `${counts[state]} ${CUSTOMER_STATE_LABELS[state].toLowerCase()}`).join(', ');
}

/** How many customers are in each state, as `status` and `reconcile` say it (review only when some are held). */
export function customerCounts(counts: CustomerCounts): string {
  const held = counts.review ? `, ${countsInWords(counts, ['review'])} (see the backfill match report)` : '';
  return countsInWords(counts, ['synced', 'excluded', 'failed', 'pending']) + held;
}
