import * as fs from 'node:fs';
import { synthesizedBundles } from '../../bench/phases/bundles';
import type { FunctionName } from '../../lib/function-timeouts';

/**
 * Minified bundle budgets in bytes (index.js as `cdk synth` builds it, AWS SDK external; issue 15).
 * The webhook answers Intuit within 3 s from a cold start, so it gets the smallest budget. One
 * classic zod schema reached from a bundle costs ≈90 KB, a namespace-less `import { z }` ≈440 KB
 * (decision 58): a change that breaks a budget should be a deliberate choice.
 */
const BUNDLE_BUDGET_BYTES: readonly (readonly [FunctionName, number])[] = [
  ['webhook', 150_000], // measured 90 KB
  ['oauth', 250_000], // 216 KB
  ['tokenUpkeep', 250_000], // 183 KB
  ['cdcPoll', 250_000], // 241 KB
  ['backfill', 250_000], // 235 KB
  ['worker', 250_000], // 282 KB: over, see KNOWN_OVER_BUDGET
  ['operations', 250_000], // 277 KB: over, see KNOWN_OVER_BUDGET
];

/**
 * Still over their budget (issue #15 stays open for them): their graphs reach classic zod schemas
 * (≈100 KB of each bundle) that only moving them to zod/mini removes. Until then each must not grow
 * past its ceiling; once one is within budget, its entry goes and the budget check applies.
 */
const KNOWN_OVER_BUDGET: Partial<Record<FunctionName, number>> = { worker: 285_000, operations: 280_000 };

const files = synthesizedBundles();
const size = (name: FunctionName): number => fs.statSync(files[name]).size;

describe('function bundles', () => {
  const within = BUNDLE_BUDGET_BYTES.filter(([name]) => KNOWN_OVER_BUDGET[name] === undefined);
  it.each(within)('%s stays within %d bytes', (name, budget) => {
    expect(size(name)).toBeLessThanOrEqual(budget);
  });

  const over = BUNDLE_BUDGET_BYTES.filter(([name]) => KNOWN_OVER_BUDGET[name] !== undefined);
  it.each(over.map(([name]) => [name, KNOWN_OVER_BUDGET[name] ?? 0] as const))(
    '%s, over budget, stays under its ceiling of %d bytes',
    (name, ceiling) => {
      expect(size(name)).toBeLessThanOrEqual(ceiling);
    },
  );

  it('the webhook bundle is the smallest', () => {
    const smallest = Math.min(...BUNDLE_BUDGET_BYTES.map(([name]) => size(name)));
    expect(size('webhook')).toBe(smallest);
  });

  it('ships a source map with each bundle', () => {
    for (const [name] of BUNDLE_BUDGET_BYTES) expect(fs.existsSync(`${files[name]}.map`)).toBe(true);
  });
});
