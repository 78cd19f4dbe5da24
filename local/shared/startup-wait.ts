import { cpus, loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';

/** Overrides every emulator's start-up timeout (milliseconds), for a machine slower than the load shows. */
export const STARTUP_TIMEOUT_VARIABLE = 'ML_CONNECTOR_STARTUP_TIMEOUT_MS';

/**
 * How long to wait for an emulator to start: `baseMs` on an idle machine, longer the more runnable
 * processes each core has (a JVM starting beside four busy loops on two cores took over 20 s), at
 * most six times as long; `ML_CONNECTOR_STARTUP_TIMEOUT_MS` overrides it.
 */
export function startupTimeoutMs(
  baseMs: number,
  environment: NodeJS.ProcessEnv = process.env,
  load: { average: number; cores: number } = { average: loadavg()[0] ?? 0, cores: cpus().length },
): number {
  const override = Number(environment[STARTUP_TIMEOUT_VARIABLE]);
  if (Number.isFinite(override) && override > 0) return override;
  const perCore = load.average / Math.max(1, load.cores);
  return Math.round(baseMs * Math.min(6, Math.max(1, perCore)));
}

export interface StartupWait {
  /** What is awaited, for the messages: "DynamoDB Local to answer HTTP on http://127.0.0.1:8000". */
  what: string;
  /** True once it is ready; a thrown error ends the wait with that error. */
  ready: () => Promise<boolean>;
  timeoutMs: number;
  /** Told every `progressEveryMs` that the wait goes on. */
  progress?: (line: string) => void;
  progressEveryMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

/** Polls until ready; the timeout error says what was awaited, for how long and how to wait longer. */
export async function waitUntilReady(wait: StartupWait): Promise<void> {
  const now = wait.now ?? Date.now;
  const sleep = wait.sleep ?? delay;
  const started = now();
  const every = wait.progressEveryMs ?? 10_000;
  let nextProgress = started + every;
  for (;;) {
    if (await wait.ready()) return;
    const waited = now() - started;
    if (waited > wait.timeoutMs)
      throw new Error(
        `Waited ${String(Math.round(waited / 1000))} s for ${wait.what}; it did not happen. ` +
          `On a slow or busy machine set ${STARTUP_TIMEOUT_VARIABLE} to wait longer.`,
      );
    if (now() >= nextProgress) {
      wait.progress?.(`still waiting for ${wait.what} (${String(Math.round(waited / 1000))} s so far)`);
      nextProgress += every;
    }
    await sleep(100);
  }
}
