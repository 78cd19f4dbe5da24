/**
 * The day a Pipedrive token budget belongs to. Pipedrive resets it at "midnight at server's timezone",
 * which it does not name ([RL]); UTC is our assumption.
 */
export function budgetDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Epoch ms of the next budget reset after `now`. */
export function nextBudgetReset(now: number): number {
  const day = new Date(now);
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1);
}
