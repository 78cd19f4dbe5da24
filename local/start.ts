/**
 * `npm start` runs the whole connector on this machine (see local/stack): it connects both sandboxes
 * through the real OAuth routes, backfills, makes realistic edits in QBO and prints each sync.
 * `npm start -- --once` runs the same scenario to the end and exits 0 only if every customer is in
 * sync; its last stdout line is a JSON summary. It serves on port 8700 (`--port N` or PORT to change it).
 * Everything lives in memory and in temporary files: nothing is kept after it stops.
 */
import { countsInWords, noCustomers } from '../functions/operations/customer-counts';
import { AuditLog } from '../functions/store/audit-log';
import { LinkStore } from '../functions/store/link-store';
import { tableNamed } from '../functions/store/table-client';
import { setTimeout as delay } from 'node:timers/promises';
import * as z from 'zod';
import { DEFAULT_LOCAL_STATE_FILE } from '../cli/local-state';
import { progressReporter } from '../cli/progress-bar';
import { recordPipedriveTrafficTo } from './conformance/pipedrive-recorder';
import { recordQuickBooksTrafficTo } from './conformance/quickbooks-recorder';
import { type LocalStack, startLocalStack } from './stack/local-stack';
import { isAddressInUse, parseStartOptions, portInUseMessage, portIsFree, type StartOptions } from './start-options';

const BackfillAnswer = z.object({
  summary: z.object({ customers: z.number(), linked: z.number(), toCreate: z.number() }),
});
const ControlAnswer = z.object({ Customer: z.object({ Id: z.string() }).optional() });

/** Prints one line (no stack trace) and exits 1: what went wrong and what to do is all a person needs here. */
function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function startOptions(): StartOptions {
  try {
    return parseStartOptions(process.argv.slice(2), process.env);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Ctrl-C (or SIGTERM) stops everything cleanly, whenever it comes, even while the stack is starting.
 * A terminal sends SIGINT to the whole process group, and tsx may pass it on once more: the first
 * signal stops the stack, the ones after it are ignored while it stops.
 */
function stopOnSignals() {
  let stack: LocalStack | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.error('Stopping…');
    if (stack)
      stack.close().then(
        () => process.exit(0),
        (error: unknown) => {
          fail(`Stopped, with an error on the way: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    /** Whether a stop was asked for: the work still running may fail now, quietly. */
    stopping: () => stopping,
    /** The stack is up: stop it now if Ctrl-C came while it started. */
    started(started: LocalStack) {
      stack = started;
      if (stopping) {
        stopping = false;
        stop();
      }
    },
  };
}

async function launch(options: StartOptions): Promise<LocalStack> {
  if (!(await portIsFree(options.port))) fail(portInUseMessage(options.port));
  // Every Pipedrive exchange as JSON lines, for `npm run conformance` (decision 44).
  const recording = process.env.ML_CONNECTOR_PIPEDRIVE_RECORDING;
  if (recording) recordPipedriveTrafficTo(recording);
  // Every request to the QBO sandbox, likewise, for the QBO request check.
  const qboRecording = process.env.ML_CONNECTOR_QUICKBOOKS_RECORDING;
  if (qboRecording) recordQuickBooksTrafficTo(qboRecording);
  return startLocalStack({
    port: options.port,
    ...(options.qboSandboxPort !== undefined ? { qboSandboxPort: options.qboSandboxPort } : {}),
    ...(options.pipedriveSandboxPort !== undefined ? { pipedriveSandboxPort: options.pipedriveSandboxPort } : {}),
    qboSeedCount: 40,
    pollIntervalMs: 60_000,
    // As a deployment's default (decision 63): reps' merges, deletions and edits in the sandbox act at once.
    pipedriveWebhooks: true,
    // `npx ml-connector …` finds this stack through it.
    stateFile: process.env.ML_CONNECTOR_LOCAL_STATE ?? DEFAULT_LOCAL_STATE_FILE,
    log: (line) => {
      console.error(line);
    },
  }).catch((error: unknown) =>
    fail(
      isAddressInUse(error)
        ? portInUseMessage(options.port)
        : `Could not start the local stack: ${error instanceof Error ? error.message : String(error)}`,
    ),
  );
}

/**
 * Where to look and what to call by hand, on stdout. The Pipedrive token is the sandbox's own, made
 * up for this run: it opens nothing but the sandbox.
 */
function printPokeBlock(stack: LocalStack, realmId: string): void {
  const qbo = stack.qbo.describe();
  const pipedrive = stack.pipedrive.describe();
  console.log(
    [
      'Poke it yourself:',
      `  Sync health           ${stack.url}/health`,
      `  QuickBooks sandbox    ${stack.qbo.url}  (company ${realmId}, API at ${qbo.apiBaseUrl})`,
      `    control             ${qbo.controlUrl}  (e.g. POST ${qbo.controlUrl}/realms/${realmId}/customers)`,
      `  Pipedrive sandbox     ${pipedrive.apiBaseUrl}`,
      `    API token           ${pipedrive.apiToken}  (e.g. curl '${pipedrive.apiBaseUrl}/api/v2/organizations?api_token=${pipedrive.apiToken}')`,
      `    control             ${pipedrive.controlUrl}`,
      '  CLI                   npx ml-connector status | ping | audit <customer id> | replay --customer <id>',
    ].join('\n'),
  );
}

/** Prints each sync as it happens, from the audit trail, and counts the customers by state. */
function activityOf(stack: LocalStack, realmId: string) {
  const table = tableNamed(stack.tableName);
  const audit = new AuditLog(table, 1);
  const links = new LinkStore(table);
  const printed = new Set<string>();
  const print = async ({ silently = false } = {}) => {
    const page = await audit.recent(realmId, { limit: 50 });
    for (const entry of page.entries.reverse()) {
      if (printed.has(entry.id)) continue;
      printed.add(entry.id);
      if (silently) continue;
      const what = entry.diff ? Object.keys(entry.diff).join(', ') : (entry.note ?? '');
      console.log(
        `${new Date(entry.at).toISOString().slice(11, 19)}  ${entry.source.padEnd(9)} ${entry.action.padEnd(9)} customer ${entry.qboId.padEnd(6)} ${entry.orgId ? `org ${entry.orgId}` : ''} ${what}`.trimEnd(),
      );
    }
  };
  return {
    print,
    /** Prints activity until none comes for a while, or `ms` pass. */
    quiet: async (ms: number) => {
      const deadline = Date.now() + ms;
      let lastCount = -1;
      while (Date.now() < deadline) {
        await stack.qbo.state.webhooks.pump();
        await print();
        if (printed.size === lastCount) break;
        lastCount = printed.size;
        await delay(1500);
      }
    },
    countStates: async () => {
      const states = noCustomers();
      for await (const page of links.list(realmId)) for (const link of page) states[link.state]++;
      return states;
    },
  };
}
type Activity = ReturnType<typeof activityOf>;

/** Backfills, and shows it as one progress bar on stderr rather than a line per customer. */
async function backfill(stack: LocalStack, realmId: string, activity: Activity): Promise<void> {
  const answer = BackfillAnswer.parse(await stack.invoke('backfill', { realmId, dryRun: false }));
  const { customers, linked, toCreate } = answer.summary;
  console.error(`Backfill: ${customers} customers (${linked} matched, ${toCreate} to create)`);
  const progress = progressReporter(process.stderr, customers, 'customers synced');
  const deadline = Date.now() + 120_000;
  for (;;) {
    const states = await activity.countStates();
    progress.update(states.synced + states.excluded);
    if (states.synced + states.excluded + states.failed >= customers || Date.now() > deadline) {
      progress.finish();
      console.error(`Backfill done: ${countsInWords(states, ['synced', 'excluded', 'failed'])}`);
      break;
    }
    await delay(500);
  }
  await activity.print({ silently: true });
}

/** Realistic edits in the QBO sandbox: a new customer edited, invoiced and paid, a merge, a deactivation. */
function editScenario(stack: LocalStack, realmId: string): () => Promise<void> {
  const edit = async (path: string, body: object, method = 'POST') =>
    fetch(`${stack.qbo.describe().controlUrl}/realms/${realmId}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
      .then((r) => r.json())
      .then((json) => ControlAnswer.parse(json));
  return async () => {
    const fresh = await edit('/customers', {
      DisplayName: `Newco ${Date.now() % 100000}`,
      CompanyName: `Newco ${Date.now() % 100000}`,
      PrimaryEmailAddr: { Address: 'ap@newco.example.com' },
    });
    const id = fresh.Customer?.Id ?? '';
    await edit(`/customers/${id}`, { PrimaryPhone: { FreeFormNumber: '(555) 010-0000' } }, 'PATCH');
    await edit('/invoices', { customerId: id, amount: 1250, dueDate: '2026-01-01' });
    await edit('/payments', { customerId: id, amount: 250 });
    const other = await edit('/customers', { DisplayName: `Mergeco ${Date.now() % 100000}` });
    await edit(`/customers/${other.Customer?.Id ?? ''}/merge`, { into: id });
    const closing = await edit('/customers', { DisplayName: `Closing ${Date.now() % 100000}` });
    await edit(`/customers/${closing.Customer?.Id ?? ''}/deactivate`, {});
  };
}

/** `--once`: the final proof, as the daily reconcile does it; the summary is the last stdout line. */
async function finish(stack: LocalStack, realmId: string, activity: Activity, started: number): Promise<never> {
  await stack.invoke('cdcPoll', { mode: 'reconcile' });
  await activity.quiet(120_000);
  const states = await activity.countStates();
  const customers = stack.qbo.state
    .requireCompany(realmId)
    .all('Customer')
    .filter((c) => !c.deleted).length;
  const organizations = [...stack.pipedrive.store.organizations.values()].filter((o) => !o.is_deleted).length;
  const summary = {
    customers,
    organizations,
    inSync: states.synced,
    excluded: states.excluded,
    failed: states.failed + states.pending,
    pipedriveTokens: stack.pipedrive.budget.spentToday(stack.clock.now()),
    qboCalls: stack.qbo.state.counters.get('qbo.requests'),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  await stack.close();
  console.log(JSON.stringify(summary));
  process.exit(summary.failed === 0 && summary.inSync + summary.excluded === customers ? 0 : 1);
}

async function main(signals: ReturnType<typeof stopOnSignals>): Promise<void> {
  const started = Date.now();
  const options = startOptions();
  const stack = await launch(options);
  signals.started(stack);
  console.error(
    `Local stack up: sync health at ${stack.url}/health; webhook and OAuth routes on ${stack.url}; QBO sandbox control at ${stack.qbo.describe().controlUrl}`,
  );
  const { realmId } = await stack.connect();
  console.error(`Connected QuickBooks company ${realmId} and Pipedrive ${stack.pipedrive.describe().apiBaseUrl}`);
  printPokeBlock(stack, realmId);
  const activity = activityOf(stack, realmId);
  await backfill(stack, realmId, activity);
  const scenario = editScenario(stack, realmId);
  await scenario();
  await activity.quiet(120_000);
  if (options.once) return finish(stack, realmId, activity, started);
  console.error(`Making an edit every 20 s; sync health at ${stack.url}/health. Ctrl-C to stop.`);
  while (!signals.stopping()) {
    await delay(20_000);
    if (signals.stopping()) break;
    await scenario();
    await activity.quiet(30_000);
  }
}

const signals = stopOnSignals();
main(signals).catch((error: unknown) => {
  // Work cut short by Ctrl-C fails as the stack closes under it: not worth a word.
  if (signals.stopping()) return;
  fail(`The local stack failed: ${error instanceof Error ? error.message : String(error)}`);
});
