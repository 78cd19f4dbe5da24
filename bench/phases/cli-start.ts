import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { BenchResult } from '../shared/results';
import { median, round } from '../shared/stats';

const run = promisify(execFile);
const BIN = join(__dirname, '..', '..', 'bin', 'ml-connector.cjs');
/** Issue #16: `ml-connector --help` within 3× a bare node start. */
const FLOOR_RATIO = 3;

export interface CliStartFigures {
  runs: number;
  /** Median wall time of `node -e 0`, spawned as the CLI is. */
  nodeMs: number;
  /** Median wall time of `node bin/ml-connector.cjs --help`. */
  helpMs: number;
  nodeSamplesMs: number[];
  helpSamplesMs: number[];
}

async function wallMs(args: readonly string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, [...args]);
  return performance.now() - started;
}

/**
 * Times the CLI's start against a bare node start, alternating the two so that load on the machine
 * falls on both alike. One run first, not counted: it builds dist/cli.cjs if it is stale and fills
 * node's compile cache, as the first command after `npm ci` does.
 */
export async function measureCliStart(runs: number): Promise<CliStartFigures> {
  await run(process.execPath, [BIN, '--help']);
  const nodeSamplesMs: number[] = [];
  const helpSamplesMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    nodeSamplesMs.push(await wallMs(['-e', '0']));
    helpSamplesMs.push(await wallMs([BIN, '--help']));
  }
  return { runs, nodeMs: median(nodeSamplesMs), helpMs: median(helpSamplesMs), nodeSamplesMs, helpSamplesMs };
}

export function cliStartResults(figures: CliStartFigures): BenchResult[] {
  return [
    {
      name: '`ml-connector --help`, against a bare `node -e 0`',
      value: round(figures.helpMs / figures.nodeMs, 2),
      unit: '×',
      floor: `≤ ${FLOOR_RATIO}×`,
      note: `median of ${figures.runs} runs each, wall clock: ${round(figures.helpMs)} ms against ${round(figures.nodeMs)} ms`,
    },
  ];
}
