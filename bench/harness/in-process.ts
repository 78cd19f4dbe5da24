import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { BudgetGovernor, type TokenLedger } from '../../functions/pipedrive/budget-governor';
import { PipedriveClient } from '../../functions/pipedrive/client';
import { QuickBooksClient } from '../../functions/quickbooks/client';
import { AuditLog } from '../../functions/store/audit-log';
import { BudgetLedger } from '../../functions/store/budget-ledger';
import { LinkStore } from '../../functions/store/link-store';
import { OpenInvoiceSnapshotStore } from '../../functions/store/open-invoice-snapshot-store';
import type { Table } from '../../functions/store/table';
import { CustomerSync } from '../../functions/sync/customer-sync';
import type { SyncOptions } from '../../functions/sync/sync-context';
import type { FieldKeys } from '../../functions/sync/pipedrive-body';
import { CUSTOM_FIELDS } from '../../functions/sync/pipedrive-fields';
import type { AuditTrail, LinkRepository } from '../../functions/sync/ports';
import type { MessageQueue } from '../../functions/sync/sync-message';
import type { OpenInvoiceSnapshots } from '../../functions/sync/open-invoice-snapshots';
import { createConnectorTable } from '../../local/dynamodb/create-table';
import { type PipedriveSandbox, startPipedriveSandbox } from '../../local/pipedrive';
import { type QuickBooksSandbox, startQuickBooksSandbox } from '../../local/quickbooks';
import { SandboxClock } from '../../local/shared/clock';
import { qboAccessToken } from '../shared/qbo-control';
import { MemoryAudit, MemoryLedger, MemoryLinks, MemorySnapshots } from './memory-stores';
import { VirtualTime } from './virtual-time';

/** The worker's defaults (functions/handlers/worker.ts). */
export const WORKER_SYNC_OPTIONS: SyncOptions = {
  subCustomers: 'rollup',
  mergeRule: 'merge',
  qboAppUrl: 'https://app.sandbox.qbo.intuit.com',
  homeCurrency: 'USD',
  pendingStaleAfterMs: 120_000,
};

/** A sandbox day starting at midnight UTC, so a budget day is a whole sandbox day. */
export const BENCH_EPOCH = Date.parse('2026-07-01T00:00:00Z');

export interface InProcessOptions {
  /** DynamoDB Local, for the `dynamodb` stores. */
  dynamoEndpoint?: string;
  /** Generated QBO customers (the sandbox's deterministic seed). */
  seedCount: number;
  /** Share of the company's daily Pipedrive budget the connector may spend. */
  budgetShare?: number;
  /** Where links, audit entries and the token ledger live: DynamoDB Local (default) or memory (memory-stores.ts). */
  stores?: 'dynamodb' | 'memory';
}

/**
 * Both sandboxes on one frozen clock that moves only when a limit makes a caller wait (see
 * virtual-time.ts), DynamoDB Local, and the real clients, governor and stores: the worker's
 * CustomerSync without SQS and Lambda around it. Pipedrive is on the Growth plan, 1 seat, API token.
 */
export interface InProcessHarness {
  clock: SandboxClock;
  /** Waits and requests on `clock`: what moves it. */
  time: VirtualTime;
  qboSandbox: QuickBooksSandbox;
  pipedriveSandbox: PipedriveSandbox;
  realmId: string;
  qbo: QuickBooksClient;
  pipedrive: PipedriveClient;
  governor: BudgetGovernor;
  links: LinkRepository;
  snapshots: OpenInvoiceSnapshots;
  fields: FieldKeys;
  customerSync(requeue: MessageQueue): CustomerSync;
  close(): Promise<void>;
}

export async function startInProcessHarness(options: InProcessOptions): Promise<InProcessHarness> {
  const clock = new SandboxClock({ start: BENCH_EPOCH, scale: 0 });
  const time = new VirtualTime(clock);
  const qboSandbox = await startQuickBooksSandbox({ clock, seed: { count: options.seedCount, seed: 42 } });
  const pipedriveSandbox = await startPipedriveSandbox({ clock, plan: 'growth', seats: 1 });
  const stores = options.stores === 'memory' ? memoryStores() : await dynamoStores(options.dynamoEndpoint, time);
  const realmId = qboSandbox.describe().realmId;
  let token = await qboAccessToken(qboSandbox, realmId);
  const qbo = new QuickBooksClient(
    { apiBaseUrl: qboSandbox.url, realmId, timeoutMs: 30_000 },
    {
      accessToken: () => Promise.resolve(token),
      // Sandbox time can pass an access token's hour: a fresh one, as the token lifecycle would get.
      refreshAfterRejection: async () => (token = await time.track(() => qboAccessToken(qboSandbox, realmId))),
    },
    time.pacedFetch(),
    () => clock.now(),
  );
  const info = pipedriveSandbox.describe();
  const governor = new BudgetGovernor(
    {
      companyId: String(info.companyId),
      plan: info.plan,
      seats: info.seats,
      auth: 'api-token',
      ...(options.budgetShare !== undefined ? { budgetShare: options.budgetShare } : {}),
    },
    { ledger: stores.ledger, now: () => clock.now(), sleep: time.sleep },
  );
  const pipedrive = new PipedriveClient(
    {
      apiDomain: info.apiBaseUrl,
      allowHosts: [info.apiBaseUrl, info.apiTokenBaseUrl].map((url) => new URL(url).host),
      apiTokenHost: info.apiTokenBaseUrl,
      timeoutMs: 30_000,
    },
    { kind: 'api-token', apiToken: info.apiToken },
    governor,
    time.fetch(),
  );
  const fields = await pipedrive.ensureCustomFields(CUSTOM_FIELDS, { fieldKeys: {}, fieldOptions: {} });
  const { links, audit, snapshots } = stores;
  return {
    clock,
    time,
    qboSandbox,
    pipedriveSandbox,
    realmId,
    qbo,
    pipedrive,
    governor,
    links,
    snapshots,
    fields,
    customerSync: (requeue) =>
      new CustomerSync(
        realmId,
        // One realm per Pipedrive company here: it owns any bare id (decision 35).
        { qbo, pipedrive, links, audit, requeue, fields, ownsBareIds: true, now: () => clock.now() },
        WORKER_SYNC_OPTIONS,
      ),
    close: async () => {
      await Promise.all([qboSandbox.close(), pipedriveSandbox.close()]);
      stores.close();
    },
  };
}

interface Stores {
  links: LinkRepository;
  snapshots: OpenInvoiceSnapshots;
  audit: AuditTrail;
  ledger: TokenLedger;
  close(): void;
}

/** The real stores on a fresh table (shaped like the stack's) in DynamoDB Local. */
async function dynamoStores(endpoint: string | undefined, time: VirtualTime): Promise<Stores> {
  if (endpoint === undefined) throw new Error('the dynamodb stores need a DynamoDB Local endpoint');
  const dynamo = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // A store call is in flight too: the clock must not jump between a burst slot and its ledger reservation.
  dynamo.middlewareStack.add((next) => (args) => time.track(() => next(args)), { step: 'initialize' });
  const table: Table = {
    client: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    name: `ml-connector-bench-${randomUUID().slice(0, 8)}`,
  };
  await createConnectorTable(dynamo, table.name);
  return {
    links: new LinkStore(table),
    snapshots: new OpenInvoiceSnapshotStore(table),
    audit: new AuditLog(table, 30),
    ledger: new BudgetLedger(table),
    close: () => {
      dynamo.destroy();
    },
  };
}

function memoryStores(): Stores {
  return {
    links: new MemoryLinks(),
    snapshots: new MemorySnapshots(),
    audit: new MemoryAudit(),
    ledger: new MemoryLedger(),
    close: () => {},
  };
}
