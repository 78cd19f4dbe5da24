/**
 * `npm run bench`: measures the connector against the naive baseline and the floors of
 * docs/performance.md#the-floors, on the sandboxes, in one run. Prints a Markdown table
 * and writes bench/results/latest.json. See docs/performance.md.
 */
import { join } from 'node:path';
import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local';
import { measureBackfill } from './phases/backfill';
import { measureBundles } from './phases/bundles';
import { cliStartResults, measureCliStart } from './phases/cli-start';
import { measureOnLocalStack } from './phases/local-stack';
import { measureNaive } from './phases/naive';
import { measurePipedriveReconcile, pipedriveReconcileResults } from './phases/pipedrive-reconcile';
import { measureRealms, type RealmsFigures } from './phases/realms';
import { backfillPhaseResults, buildResults, realmResults, stackResults } from './report';
import { resultsTable, writeResults } from './shared/results';

/** BENCH_BACKFILL_CUSTOMERS overrides it for a quicker run (the figures are then not comparable with the backfill floor in docs/performance.md). */
const BACKFILL_CUSTOMERS = Number(process.env.BENCH_BACKFILL_CUSTOMERS ?? 10_000);
const NAIVE_SAMPLE = 500;
const BURST = 100;
const STEADY = 20;
/** Many QBO companies in one deployment (decision 38). */
const REALMS = { realms: 200, customersPerRealm: 20, concurrency: 10, editedRealms: 50 };
/** How many times `ml-connector --help` and `node -e 0` are each timed. */
const CLI_START_RUNS = 10;
/** The Pipedrive-side reconcile's company (decision 62; its floor is 200 tokens for 20 pages of 500). */
const PIPEDRIVE_RECONCILE_ORGANIZATIONS = 10_000;
/** `BENCH_PHASE=realms npm run bench` (or `cli`, `pipedrive-reconcile`, `backfill`, or `changes`: the local stack only) runs only that phase (results in bench/results/<phase>.json). */
const ONLY = process.env.BENCH_PHASE;

async function measureManyRealms(dynamoEndpoint: string, log: (line: string) => void): Promise<RealmsFigures> {
  log(
    `${REALMS.realms} realms: one poll round and one reconcile round, one unit per realm, ${REALMS.concurrency} at once`,
  );
  return measureRealms({ dynamoEndpoint, ...REALMS, log });
}

function measureReconcileFromPipedrive(dynamoEndpoint: string, log: (line: string) => void) {
  log(
    `Pipedrive-side reconcile of ${PIPEDRIVE_RECONCILE_ORGANIZATIONS.toLocaleString('en-US')} linked organizations (tokens, through the client and budget governor)`,
  );
  return measurePipedriveReconcile({ dynamoEndpoint, organizations: PIPEDRIVE_RECONCILE_ORGANIZATIONS });
}

/** The backfill keeps its links and ledger in memory (memory-stores.ts): it needs no DynamoDB Local. */
async function measureLargeBackfill(log: (line: string) => void) {
  log(`backfill of ${BACKFILL_CUSTOMERS.toLocaleString('en-US')} customers (sandbox time)`);
  const backfill = await measureBackfill({ customers: BACKFILL_CUSTOMERS, budgetShare: 1, stores: 'memory' });
  log(`backfill queue: ${JSON.stringify(backfill.queue)}; tokens per day ${JSON.stringify(backfill.tokensPerDay)}`);
  return backfill;
}

function stackOptions(log: (line: string) => void) {
  return { customers: 130, burst: BURST, steady: STEADY, freshnessSamples: 25, latencySamples: 200, log };
}

async function main(): Promise<void> {
  const started = Date.now();
  const log = (line: string) => {
    console.error(`[${Math.round((Date.now() - started) / 1000)} s] ${line}`);
  };
  if (ONLY === 'cli') {
    const results = cliStartResults(await measureCliStart(CLI_START_RUNS));
    writeResults(join(__dirname, 'results', 'cli.json'), results);
    console.log(resultsTable(results));
    return;
  }
  if (ONLY === 'backfill') {
    const results = backfillPhaseResults(await measureLargeBackfill(log));
    writeResults(join(__dirname, 'results', 'backfill.json'), results);
    console.log(resultsTable(results));
    console.log(`\nReal time for the phase: ${Math.round((Date.now() - started) / 1000)} s.`);
    return;
  }
  if (ONLY === 'changes') {
    const results = stackResults(await measureOnLocalStack(stackOptions(log)));
    writeResults(join(__dirname, 'results', 'changes.json'), results);
    console.log(resultsTable(results));
    return;
  }
  const dynamo = await startDynamoDbLocal({ timeoutMs: 90_000 });
  try {
    if (ONLY === 'pipedrive-reconcile') {
      const results = pipedriveReconcileResults(await measureReconcileFromPipedrive(dynamo.endpoint, log));
      writeResults(join(__dirname, 'results', 'pipedrive-reconcile.json'), results);
      console.log(resultsTable(results));
      console.log(`\nReal time for the phase: ${Math.round((Date.now() - started) / 1000)} s.`);
      return;
    }
    if (ONLY === 'realms') {
      const results = realmResults(await measureManyRealms(dynamo.endpoint, log));
      writeResults(join(__dirname, 'results', 'realms.json'), results);
      console.log(resultsTable(results));
      return;
    }
    log('bundling the seven functions as cdk synth does and timing their module load');
    const bundles = await measureBundles(5);
    log('local stack: connect, backfill, changes, burst, freshness, webhook latency (wall clock)');
    const stack = await measureOnLocalStack(stackOptions(log));
    log(`naive baseline: backfill of ${NAIVE_SAMPLE} and the same changes (sandbox time)`);
    const naive = await measureNaive({
      dynamoEndpoint: dynamo.endpoint,
      sample: NAIVE_SAMPLE,
      steady: STEADY,
      burst: BURST,
    });
    const backfill = await measureLargeBackfill(log);
    const realms = await measureManyRealms(dynamo.endpoint, log);
    const fromPipedrive = await measureReconcileFromPipedrive(dynamo.endpoint, log);
    log(`the CLI's start: \`ml-connector --help\` against \`node -e 0\`, ${CLI_START_RUNS} runs each`);
    const cliStart = await measureCliStart(CLI_START_RUNS);
    const results = [
      ...buildResults({ stack, naive, backfill, bundles }),
      ...realmResults(realms),
      ...pipedriveReconcileResults(fromPipedrive),
      ...cliStartResults(cliStart),
    ];
    writeResults(join(__dirname, 'results', 'latest.json'), results);
    console.log(resultsTable(results));
    console.log(
      `\nSandbox time: the backfill and the naive baseline run on a virtual clock that moves only when a rate limit or budget makes a caller wait. Real time for the whole run: ${Math.round((Date.now() - started) / 1000)} s.`,
    );
  } finally {
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
