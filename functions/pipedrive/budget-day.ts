/**
 * The day a Pipedrive token budget belongs to. Pipedrive resets it at "midnight at server's timezone",
 * which it does not name ([RL]); UTC is our assumption, and `offsetMinutes` moves the boundary if
 * a company's budget turns out to reset elsewhere (e.g. -300 for New York winter time).
 */
export function budgetDay(now: number, offsetMinutes = 0): string {
  return new Date(now + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** Epoch ms of the next budget reset after `now`. */
export function nextBudgetReset(now: number, offsetMinutes = 0): number {
  const shifted = new Date(now + offsetMinutes * 60_000);
  const nextMidnight = Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate() + 1);
  return nextMidnight - offsetMinutes * 60_000;
}
