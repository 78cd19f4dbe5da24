/**
 * `npm start` runs the whole connector on this machine (see local/stack): it connects both sandboxes
 * through the real OAuth routes, backfills, makes realistic edits in QBO and prints each sync.
 * `npm start -- --once` runs the same scenario to the end and exits 0 only if every customer is in
 * sync; its last stdout line is a JSON summary. It serves on port 8700 (`--port N` or PORT to change it).
 */
import { AuditLog } from '../functions/store/audit-log';
import { LinkStore } from '../functions/store/link-store';
import { tableNamed } from '../functions/platform/table';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { recordPipedriveTrafficTo } from './conformance/pipedrive-recorder';
import { recordQuickBooksTrafficTo } from './conformance/quickbooks-recorder';
import { progressReporter } from './shared/progress-bar';
import { startLocalStack } from './stack/local-stack';
import { DEFAULT_LOCAL_STATE_FILE } from './stack/local-state';
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

async function main(): Promise<void> {
  const started = Date.now();
  const { once, port } = startOptions();
  if (!(await portIsFree(port))) fail(portInUseMessage(port));
  // Every Pipedrive exchange as JSON lines, for `npm run conformance` (decision 44).
  const recording = process.env.ML_CONNECTOR_PIPEDRIVE_RECORDING;
  if (recording) recordPipedriveTrafficTo(recording);
  // Every request to the QBO sandbox, likewise, for the QBO request check.
  const qboRecording = process.env.ML_CONNECTOR_QUICKBOOKS_RECORDING;
  if (qboRecording) recordQuickBooksTrafficTo(qboRecording);
  const stack = await startLocalStack({
    port,
    qboSeedCount: 40,
    pollIntervalMs: 60_000,
    // `npx ml-connector …` finds this stack through it.
    stateFile: process.env.ML_CONNECTOR_LOCAL_STATE ?? DEFAULT_LOCAL_STATE_FILE,
    log: (line) => {
      console.error(line);
    },
  }).catch((error: unknown) =>
    fail(
      isAddressInUse(error)
        ? portInUseMessage(port)
        : `Could not start the local stack: ${error instanceof Error ? error.message : String(error)}`,
    ),
  );
  // Ctrl-C stops everything cleanly, whenever it comes.
  const stop = () => {
    console.error('Stopping…');
    void stack.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const table = tableNamed(stack.tableName);
  const audit = new AuditLog(table, 1);
  const links = new LinkStore(table);
  console.error(
    `Local stack up: sync health at ${stack.url}/health; webhook and OAuth routes on ${stack.url}; QBO sandbox control at ${stack.qbo.describe().controlUrl}`,
  );
  const { realmId } = await stack.connect();
  console.error(`Connected QuickBooks company ${realmId} and Pipedrive ${stack.pipedrive.describe().apiBaseUrl}`);
  const backfill = BackfillAnswer.parse(await stack.invoke('backfill', { realmId, dryRun: false }));
  console.error(
    `Backfill: ${backfill.summary.customers} customers (${backfill.summary.linked} matched, ${backfill.summary.toCreate} to create)`,
  );

  // Prints each sync as it happens, from the audit trail.
  const printed = new Set<string>();
  const printActivity = async ({ silently = false } = {}) => {
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
  const quiet = async (ms: number) => {
    const deadline = Date.now() + ms;
    let lastCount = -1;
    while (Date.now() < deadline) {
      await stack.qbo.state.webhooks.pump();
      await printActivity();
      if (printed.size === lastCount) break;
      lastCount = printed.size;
      await delay(1500);
    }
  };
  const countStates = async () => {
    const states = { synced: 0, failed: 0, excluded: 0, pending: 0, review: 0 };
    for await (const page of links.list(realmId)) for (const link of page) states[link.state]++;
    return states;
  };

  // The backfill shows as one progress bar on stderr rather than a line per customer.
  const total = backfill.summary.customers;
  const progress = progressReporter(process.stderr, total, 'customers synced');
  const backfillDeadline = Date.now() + 120_000;
  for (;;) {
    const states = await countStates();
    progress.update(states.synced + states.excluded);
    if (states.synced + states.excluded + states.failed >= total || Date.now() > backfillDeadline) {
      progress.finish();
      console.error(`Backfill done: ${states.synced} in sync, ${states.excluded} excluded, ${states.failed} failing`);
      break;
    }
    await delay(500);
  }
  await printActivity({ silently: true });

  const edit = async (path: string, body: object, method = 'POST') =>
    fetch(`${stack.qbo.describe().controlUrl}/realms/${realmId}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
      .then((r) => r.json())
      .then((json) => ControlAnswer.parse(json));
  const scenario = async () => {
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
  await scenario();
  await quiet(120_000);
  if (!once) {
    console.error(`Making an edit every 20 s; sync health at ${stack.url}/health. Ctrl-C to stop.`);
    console.error('In another terminal: npx ml-connector status | ping | audit <customer id> | replay --customer <id>');
    setInterval(() => void scenario().then(() => quiet(30_000)), 20_000);
    return;
  }
  // The final proof, as the daily reconcile does it.
  await stack.invoke('cdcPoll', { mode: 'reconcile' });
  await quiet(120_000);
  const states = await countStates();
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

void main();
