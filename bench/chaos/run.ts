/**
 * `npm run chaos [-- --customers N]`: 2,000 customers through the real connector on the local stack
 * under every fault at once (see faults.ts), then the checks of issue #8. Prints a readable report
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

// Straight to the terminal: the run captures process.stdout to scan the handlers' logs.
const say = (line: string) => {
  writeSync(1, `${line}\n`);
};

async function main(): Promise<void> {
  const customers = argument('customers', 2000);
  say(`Chaos run: ${customers} customers, every fault at once…`);
  const report = await runChaos({
    customers,
    edits: argument('edits', Math.ceil(customers / 2)),
    stormMs: argument('storm-seconds', 60) * 1000,
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
