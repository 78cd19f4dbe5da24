import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Each busy loop spins, looking up every few tens of milliseconds whether the run that started it is
 * still there, and ends on its own when it is not or after its time is up: a run that crashes leaves
 * nothing spinning.
 */
const BUSY_LOOP = `
const parent = Number(process.argv[1]);
const until = Date.now() + Number(process.argv[2]);
for (;;) {
  for (let i = 0; i < 5e7; i++);
  try { process.kill(parent, 0); } catch { process.exit(0); }
  if (Date.now() > until) process.exit(0);
}`;

export interface CpuLoad {
  processes: number;
  /** The busy loops' process ids, while they run. */
  pids: number[];
  stop(): Promise<void>;
}

/**
 * `processes` busy-loop child processes beside the run, like other work on a shared machine, a
 * noisy neighbour or a starved Lambda: the connector's timing gets slow and uneven, as in issue #13.
 */
export function startCpuLoad(processes: number, maxMs = 3 * 60 * 60_000): CpuLoad {
  const children: ChildProcess[] = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['-e', BUSY_LOOP, String(process.pid), String(maxMs)], { stdio: 'ignore' }),
  );
  const killAll = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  return {
    processes,
    pids: children.flatMap((child) => (child.pid === undefined ? [] : [child.pid])),
    stop: async () => {
      process.removeListener('exit', killAll);
      await Promise.all(
        children.map((child) =>
          child.exitCode !== null || child.signalCode !== null
            ? Promise.resolve()
            : new Promise<void>((resolve) => {
                child.once('exit', () => {
                  resolve();
                });
                child.kill('SIGKILL');
              }),
        ),
      );
    },
  };
}
