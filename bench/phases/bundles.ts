import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { median } from '../shared/stats';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
/** Inside the repository, so a bundle finds the AWS SDK in node_modules as Lambda's runtime provides it. */
const OUT = join(ROOT, 'bench', '.build');

/** The handler files of lib/functions.ts. */
export const FUNCTIONS = {
  webhook: 'webhook.ts',
  worker: 'worker.ts',
  cdcPoll: 'cdc-poll.ts',
  oauth: 'oauth.ts',
  tokenUpkeep: 'token-upkeep.ts',
  backfill: 'backfill.ts',
} as const;
export type FunctionName = keyof typeof FUNCTIONS;
const FUNCTION_NAMES: readonly FunctionName[] = ['webhook', 'worker', 'cdcPoll', 'oauth', 'tokenUpkeep', 'backfill'];

export interface BundleFigures {
  name: FunctionName;
  bytes: number;
  /** Median of `runs` cold `require`s of the bundle in a fresh node process. */
  loadMs: number;
  loadSamplesMs: number[];
}

/** Enough configuration for every function's module-level parse to pass; nothing is called. */
const CONFIG_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'ml-connector-bench',
  CHANGES_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/changes.fifo',
  BULK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bulk.fifo',
  KMS_KEY_ID: 'arn:aws:kms:us-east-1:000000000000:key/bench',
  QBO_CLIENT_ID: 'bench',
  QBO_REDIRECT_URI: 'https://example.com/oauth/quickbooks/callback',
  PIPEDRIVE_REDIRECT_URI: 'https://example.com/oauth/pipedrive/callback',
  POWERTOOLS_SERVICE_NAME: 'ml-connector',
  POWERTOOLS_METRICS_NAMESPACE: 'MlConnector',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

/** Prints, in the child, how long requiring the bundle took. */
const LOAD_PROBE =
  'const t=process.hrtime.bigint();require(process.argv[1]);console.log(Number(process.hrtime.bigint()-t)/1e6)';

/**
 * Bundles each handler as lib/functions.ts's NodejsFunction does (esbuild: minified, CommonJS,
 * node24, `@aws-sdk/*` external as the runtime ships it; the source map is a separate file and not
 * counted) and times a cold `require` of it in fresh node processes.
 */
export async function measureBundles(runs: number): Promise<BundleFigures[]> {
  const out: BundleFigures[] = [];
  for (const name of FUNCTION_NAMES) {
    const file = FUNCTIONS[name];
    const outfile = join(OUT, name, 'index.js');
    await build({
      entryPoints: [join(ROOT, 'functions', 'handlers', file)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      minify: true,
      sourcemap: true,
      external: ['@aws-sdk/*'],
      logLevel: 'error',
    });
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { stdout } = await run(process.execPath, ['-e', LOAD_PROBE, outfile], {
        env: { PATH: process.env.PATH ?? '', ...CONFIG_ENV },
      });
      samples.push(Number(stdout.trim()));
    }
    out.push({ name, bytes: statSync(outfile).size, loadMs: median(samples), loadSamplesMs: samples });
  }
  return out;
}
