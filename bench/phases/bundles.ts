import { App } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import type { FunctionName } from '../../lib/function-timeouts';
import { MlConnectorStack } from '../../lib/ml-connector-stack';
import { median } from '../shared/stats';

const run = promisify(execFile);

const FUNCTION_NAMES: readonly FunctionName[] = [
  'webhook',
  'worker',
  'cdcPoll',
  'oauth',
  'tokenUpkeep',
  'backfill',
  'operations',
];

export interface BundleFigures {
  name: FunctionName;
  bytes: number;
  /** Median CPU time (user + system) of `runs` cold `require`s, each in a fresh node process. */
  loadCpuMs: number;
  /** Median wall time of the same `require`s: Lambda's INIT, but inflated on a busy machine. */
  loadMs: number;
  loadSamplesMs: number[];
  /** The node that timed it (`process.version`): Lambda runs Node 24. */
  node: string;
}

const Template = z.object({
  Resources: z.record(
    z.string(),
    z.object({ Type: z.string(), Properties: z.looseObject({ Code: z.object({ S3Key: z.string() }).optional() }) }),
  ),
});

/**
 * Each function's `index.js` as `cdk synth` bundles it for deployment (lib/functions.ts: esbuild,
 * minified, CommonJS, node24, `@aws-sdk/*` external, the source map beside it), in a fresh cloud
 * assembly. The bundle test and `npm run bench` both read these files, so their figures are one build.
 */
export function synthesizedBundles(): Record<FunctionName, string> {
  const app = new App({ context: { qboClientId: 'bundle-measurement' } });
  const stack = new MlConnectorStack(app, 'MlConnector');
  const assembly = app.synth();
  const template = Template.parse(assembly.getStackByName(stack.stackName).template);
  const all = stack.functions.all;
  const file = (name: FunctionName): string => {
    const cfn = all[name].node.defaultChild;
    if (!(cfn instanceof CfnFunction)) throw new Error(`${name} has no CfnFunction`);
    const s3Key = template.Resources[stack.getLogicalId(cfn)]?.Properties.Code?.S3Key;
    if (!s3Key) throw new Error(`${name} has no asset`);
    return join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.js');
  };
  return {
    webhook: file('webhook'),
    worker: file('worker'),
    cdcPoll: file('cdcPoll'),
    oauth: file('oauth'),
    tokenUpkeep: file('tokenUpkeep'),
    backfill: file('backfill'),
    operations: file('operations'),
  };
}

/** Enough configuration for every function's module-level parse to pass; nothing is called. */
const CONFIG_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'ml-connector-bench',
  CHANGES_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/changes.fifo',
  BULK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bulk.fifo',
  CHANGES_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/changes-dlq.fifo',
  BULK_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bulk-dlq.fifo',
  KMS_KEY_ID: 'arn:aws:kms:us-east-1:000000000000:key/bench',
  QBO_CLIENT_ID: 'bench',
  QBO_REDIRECT_URI: 'https://example.com/oauth/quickbooks/callback',
  PIPEDRIVE_REDIRECT_URI: 'https://example.com/oauth/pipedrive/callback',
  API_URL: 'https://example.com/',
  POWERTOOLS_SERVICE_NAME: 'ml-connector',
  POWERTOOLS_METRICS_NAMESPACE: 'MlConnector',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

/** Prints, in the child, how long requiring the bundle took: wall ms, then CPU ms. */
const LOAD_PROBE =
  'const c=process.cpuUsage(),t=process.hrtime.bigint();require(process.argv[1]);const u=process.cpuUsage(c);' +
  'console.log(Number(process.hrtime.bigint()-t)/1e6,(u.user+u.system)/1e3)';

/**
 * Sizes the deployed bundles (`synthesizedBundles`) and times a cold `require` of each in fresh
 * processes of this node (run the bench on Node 24, as Lambda). The AWS SDK, external to the
 * bundles, resolves from the repository's node_modules as Lambda's runtime provides it.
 */
export async function measureBundles(runs: number): Promise<BundleFigures[]> {
  const files = synthesizedBundles();
  const out: BundleFigures[] = [];
  for (const name of FUNCTION_NAMES) {
    const file = files[name];
    if (!existsSync(file)) throw new Error(`no bundle for ${name} at ${file}`);
    const samples: number[] = [];
    const cpuSamples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { stdout } = await run(process.execPath, ['-e', LOAD_PROBE, file], {
        // The asset directory is outside the repository: resolve the external AWS SDK from it.
        env: { PATH: process.env.PATH ?? '', NODE_PATH: join(__dirname, '..', '..', 'node_modules'), ...CONFIG_ENV },
      });
      const [wall = Number.NaN, cpu = Number.NaN] = stdout.trim().split(' ').map(Number);
      samples.push(wall);
      cpuSamples.push(cpu);
    }
    out.push({
      name,
      bytes: statSync(file).size,
      loadCpuMs: median(cpuSamples),
      loadMs: median(samples),
      loadSamplesMs: samples,
      node: process.version,
    });
  }
  return out;
}
