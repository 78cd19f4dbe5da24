import * as fs from 'node:fs';
import { synthesizedBundles } from '../../bench/phases/bundles';
import type { FunctionName } from '../../lib/function-timeouts';

/**
 * Minified bundle budgets in bytes (index.js as `cdk synth` builds it, AWS SDK external; issue 15).
 * The webhook answers Intuit within 3 s from a cold start, so it gets the smallest budget. Every
 * Lambda graph parses with zod/mini; one classic zod schema reached from a bundle would add ≈60–100
 * KB, a namespace-less `import { z }` ≈440 KB (decision 58): a change that breaks a budget should be
 * a deliberate choice.
 */
const BUNDLE_BUDGET_BYTES: readonly (readonly [FunctionName, number])[] = [
  ['webhook', 150_000], // measured 100 KB (2026-12-03)
  ['oauth', 250_000], // 183 KB
  ['tokenUpkeep', 250_000], // 127 KB
  ['cdcPoll', 250_000], // 215 KB
  ['backfill', 250_000], // 184 KB
  ['worker', 250_000], // 239 KB
  ['operations', 250_000], // 244 KB
];

/** The name classic zod's base schema class gives itself; zod/mini's is "ZodMiniType" (decision 58). */
const CLASSIC_ZOD_MARKER = '"ZodType"';

const files = synthesizedBundles();
const size = (name: FunctionName): number => fs.statSync(files[name]).size;

describe('function bundles', () => {
  it.each(BUNDLE_BUDGET_BYTES)('%s stays within %d bytes', (name, budget) => {
    expect(size(name)).toBeLessThanOrEqual(budget);
  });

  it.each(BUNDLE_BUDGET_BYTES.map(([name]) => name))('%s carries no classic zod', (name) => {
    expect(fs.readFileSync(files[name], 'utf8')).not.toContain(CLASSIC_ZOD_MARKER);
  });

  it('the webhook bundle is the smallest', () => {
    const smallest = Math.min(...BUNDLE_BUDGET_BYTES.map(([name]) => size(name)));
    expect(size('webhook')).toBe(smallest);
  });

  it('ships a source map with each bundle', () => {
    for (const [name] of BUNDLE_BUDGET_BYTES) expect(fs.existsSync(`${files[name]}.map`)).toBe(true);
  });
});
