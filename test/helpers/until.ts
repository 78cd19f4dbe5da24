import { setTimeout as delay } from 'node:timers/promises';

/**
 * A wait on a condition for tests on the local stack, which run in real time: checked every
 * `intervalMs`, failing with what it waited for once `timeoutMs` has passed. Each suite picks its
 * timeout, generous enough for a loaded machine.
 */
export function untilWithin(timeoutMs: number, intervalMs = 20) {
  return async (condition: () => boolean | Promise<boolean>, what: string, ms = timeoutMs): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await delay(intervalMs);
    }
  };
}
