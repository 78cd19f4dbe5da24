/**
 * `npm run chaos [-- --customers N] [--cpu-load N] [--latency MS] [--throttle-minutes M
 * --throttle-per-minute R --throttle-backlog B] [--pipedrive-seats S] [--log FILE]`: 2,000 customers through the real connector on the
 * local stack under every fault at once (see faults.ts), then QBO throttled to 120/min for 10 minutes
 * with 1,500 renames waiting (throttling.ts), then the checks of issues #8 and #13. `--cpu-load N`
 * runs N busy-loop processes beside it and `--latency MS` adds that much to every request to both
 * sandboxes; `--log FILE` keeps the handlers' log there. Prints a readable report
 * and, last, one JSON line; exits 0 only if every check holds.
 */
import { writeSync } from 'node:fs';
import { runChaos } from './chaos';
import { formatReport, summaryJson } from './report';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** A count or a duration that may be 0; refused loudly when it is not a whole number in range. */
function bounded(name: string, max: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return 0;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`--${name} takes a whole number from 0 to ${max}`);
  return value;
}

/** `--log FILE`: where the handlers' captured log is kept. */
function logFile(): { logFile?: string } {
  const index = process.argv.indexOf('--log');
  const file = index >= 0 ? process.argv[index + 1] : undefined;
  return file === undefined ? {} : { logFile: file };
}

// Straight to the terminal: the run captures process.stdout to scan the handlers' logs.
const say = (line: string) => {
  writeSync(1, `${line}\n`);
};

async function main(): Promise<void> {
  const customers = argument('customers', 2000);
  // Busy loops beyond a few per core measure the machine, not the connector.
  const cpuLoad = bounded('cpu-load', 16);
  // Below the run's client timeout (2 s), which the injected timeouts exceed on purpose.
  const latencyMs = bounded('latency', 1000);
  say(
    `Chaos run: ${customers} customers, every fault at once` +
      (cpuLoad > 0 || latencyMs > 0 ? `, ${cpuLoad} busy loops beside it, ${latencyMs} ms added per request…` : '…'),
  );
  const report = await runChaos({
    customers,
    cpuLoad,
    latencyMs,
    edits: argument('edits', Math.ceil(customers / 2)),
    stormMs: argument('storm-seconds', 60) * 1000,
    // Issue #13: QBO held to 120 requests a minute for 10 minutes with at least 1,500 renames waiting.
    throttling: {
      perMinute: argument('throttle-per-minute', 120),
      durationMs: argument('throttle-minutes', 10) * 60_000,
      backlog: argument('throttle-backlog', Math.max(1500, Math.ceil(customers * 0.75))),
    },
    // Enough seats that the connector's half of the daily budget covers the run (about 25 tokens a customer).
    pipedriveSeats: argument('pipedrive-seats', Math.max(1, Math.ceil((customers * 25) / 30_000))),
    ...logFile(),
    progress: (line) => {
      say(`  ${line}`);
    },
  });
  say(formatReport(report));
  say(summaryJson(report));
  process.exit(report.ok ? 0 : 1);
}

main().catch((error: unknown) => {
  say(`The chaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
