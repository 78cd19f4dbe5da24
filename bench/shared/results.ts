import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One figure of `npm run bench` (bench/results/latest.json). */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The naive baseline's value for the same measurement, where there is one. */
  baseline?: number;
  /** The floor or target in docs/performance.md#the-floors, as text. */
  floor?: string;
  note?: string;
}

function cell(value: number | undefined): string {
  if (value === undefined) return '';
  if (Number.isNaN(value)) return 'n/a';
  return Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** The results as a Markdown table (printed, and pasted into docs/performance.md). */
export function resultsTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    `${cell(r.value)} ${r.unit}`.trim(),
    cell(r.baseline),
    r.floor ?? '',
    r.note ?? '',
  ]);
  const header = ['Measurement', 'ml-connector', 'Naive baseline', 'Floor / target', 'Note'];
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(escape).join(' | ')} |`).join('\n');
}

export function writeResults(path: string, results: readonly BenchResult[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
