import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import * as z from 'zod';
import { buildConnector } from './synth';

/**
 * Uncompressed bundle budgets (minified index.js, AWS SDK external), with ~10% headroom over the
 * sizes measured when they were set. The webhook answers Intuit within 3 s from a cold start, so
 * it gets the smallest budget; a dependency that breaks one should be a deliberate choice.
 */
const BUNDLE_BUDGET_BYTES = {
  webhook: 565_000, // measured 514 KB
  oauth: 610_000, // 555 KB
  tokenUpkeep: 600_000, // 544 KB
  cdcPoll: 640_000, // 579 KB
  worker: 665_000, // 603 KB
  backfill: 640_000, // 578 KB
  operations: 700_000, // ≈ 620 KB
} as const;

const Template = z.object({
  Resources: z.record(
    z.string(),
    z.object({ Type: z.string(), Properties: z.looseObject({ Code: z.object({ S3Key: z.string() }).optional() }) }),
  ),
});

const { app, stack } = buildConnector({ bundle: true });
const assembly = app.synth();
const template = Template.parse(assembly.getStackByName(stack.stackName).template);

type FunctionName = keyof typeof BUNDLE_BUDGET_BYTES;
const FUNCTION_NAMES = Object.keys(BUNDLE_BUDGET_BYTES) as FunctionName[];

/** The function's bundled asset directory in the cloud assembly (`asset.<hash>`, the S3 key without `.zip`). */
function assetDirectory(name: FunctionName): string {
  const cfn = stack.functions.all[name].node.defaultChild;
  if (!(cfn instanceof CfnFunction)) throw new Error(`${name} has no CfnFunction`);
  const s3Key = template.Resources[stack.getLogicalId(cfn)]?.Properties.Code?.S3Key;
  if (!s3Key) throw new Error(`${name} has no asset`);
  return path.join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`);
}

const sizes = Object.fromEntries(
  FUNCTION_NAMES.map((name) => [name, fs.statSync(path.join(assetDirectory(name), 'index.js')).size]),
);

describe('function bundles', () => {
  it.each(Object.entries(BUNDLE_BUDGET_BYTES))('%s stays within %d bytes', (name, budget) => {
    expect(sizes[name]).toBeLessThanOrEqual(budget);
  });

  it('the webhook bundle is the smallest', () => {
    const smallest = Math.min(...Object.values(sizes));
    expect(sizes.webhook).toBe(smallest);
  });

  it('ships a source map with each bundle', () => {
    for (const name of FUNCTION_NAMES) {
      expect(fs.existsSync(path.join(assetDirectory(name), 'index.js.map'))).toBe(true);
    }
  });
});
