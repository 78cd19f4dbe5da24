import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { BudgetGovernor } from '../../functions/pipedrive/budget-governor';
import { PipedriveClient } from '../../functions/pipedrive/client';
import { QuickBooksClient } from '../../functions/quickbooks/client';
import { AuditLog } from '../../functions/store/audit-log';
import { BudgetLedger } from '../../functions/store/budget-ledger';
import { LinkStore } from '../../functions/store/link-store';
import type { Table } from '../../functions/store/table';
import { CUSTOM_FIELDS } from '../../functions/sync/pipedrive-fields';
import { CustomerSync } from '../../functions/sync/customer-sync';
import type { SyncOptions } from '../../functions/sync/sync-context';
import type { LinkRepository, PipedriveWriter } from '../../functions/sync/ports';
import type { MessageQueue, QueuedMessage, SyncMessage } from '../../functions/sync/sync-message';
import { type PipedriveSandbox, startPipedriveSandbox } from '../../local/pipedrive';
import type { QuickBooksSandbox } from '../../local/quickbooks';
import { SandboxClock } from '../../local/shared/clock';
import { createTestTable, localDocumentClient } from './dynamodb';
import { accessToken, SANDBOX_EPOCH, startTestQuickBooks } from './quickbooks-sandbox';

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  subCustomers: 'rollup',
  mergeRule: 'merge',
  qboAppUrl: 'https://app.sandbox.qbo.intuit.com',
  homeCurrency: 'USD',
  pendingStaleAfterMs: 120_000,
};

/** Both sandboxes on one frozen clock, DynamoDB Local, and the real adapters wired into a CustomerSync. */
export interface SyncHarness {
  clock: SandboxClock;
  qboSandbox: QuickBooksSandbox;
  pipedriveSandbox: PipedriveSandbox;
  table: Table;
  realmId: string;
  qbo: QuickBooksClient;
  pipedrive: PipedriveClient;
  links: LinkStore;
  audit: AuditLog;
  requeued: QueuedMessage[];
  fields: { fieldKeys: Record<string, string>; fieldOptions: Record<string, Record<string, number>> };
  sync(
    options?: Partial<SyncOptions>,
    overrides?: { links?: LinkRepository; pipedrive?: PipedriveWriter },
  ): CustomerSync;
  /** Prepares and syncs messages the way the worker does: one batch, then one message at a time. */
  run(messages: SyncMessage[], options?: Partial<SyncOptions>): Promise<Awaited<ReturnType<CustomerSync['sync']>>[]>;
  message(id: string, extra?: Partial<SyncMessage>): SyncMessage;
  /** Another QBO company in the sandbox, writing into the same Pipedrive company with the same stores (decision 35). */
  addRealm(companyName: string): Promise<RealmHarness>;
  close(): Promise<void>;
}

/** A second realm's side of the harness: its own QBO client and CustomerSync; it does not own bare ids. */
export type RealmHarness = Pick<SyncHarness, 'realmId' | 'qbo' | 'sync' | 'run' | 'message'>;

export async function startSyncHarness(seed: { count: number; seed: number } | false = false): Promise<SyncHarness> {
  const clock = new SandboxClock({ start: SANDBOX_EPOCH, scale: 0 });
  const qboSandbox = await startTestQuickBooks({ clock, seed });
  const pipedriveSandbox = await startPipedriveSandbox({ clock, plan: 'growth', seats: 1 });
  const table: Table = { client: localDocumentClient(), name: await createTestTable() };
  const realmId = qboSandbox.describe().realmId;
  const token = await accessToken(qboSandbox);
  const qbo = new QuickBooksClient(
    { apiBaseUrl: qboSandbox.url, realmId, timeoutMs: 5000 },
    { accessToken: () => Promise.resolve(token), refreshAfterRejection: () => accessToken(qboSandbox) },
    fetch,
    () => clock.now(),
  );
  const info = pipedriveSandbox.describe();
  const governor = new BudgetGovernor(
    { companyId: String(info.companyId), plan: info.plan, seats: info.seats, auth: 'api-token' },
    {
      ledger: new BudgetLedger(table),
      now: () => clock.now(),
      sleep: async (ms) => {
        clock.advance(ms);
        await yieldToEventLoop();
      },
    },
  );
  const pipedrive = new PipedriveClient(
    {
      apiDomain: info.apiBaseUrl,
      allowHosts: [info.apiBaseUrl, info.apiTokenBaseUrl].map((url) => new URL(url).host),
      apiTokenHost: info.apiTokenBaseUrl,
      timeoutMs: 5000,
    },
    { kind: 'api-token', apiToken: info.apiToken },
    governor,
  );
  const fields = await pipedrive.ensureCustomFields(CUSTOM_FIELDS, { fieldKeys: {}, fieldOptions: {} });
  const links = new LinkStore(table);
  const audit = new AuditLog(table, 30);
  const requeued: QueuedMessage[] = [];
  const requeue: MessageQueue = {
    send: (messages) => {
      requeued.push(...messages);
      return Promise.resolve();
    },
  };
  const realmHarness = (realm: string, client: QuickBooksClient, ownsBareIds: boolean): RealmHarness => {
    const side: RealmHarness = {
      realmId: realm,
      qbo: client,
      sync: (options = {}, overrides = {}) =>
        new CustomerSync(
          realm,
          {
            qbo: client,
            pipedrive: overrides.pipedrive ?? pipedrive,
            links: overrides.links ?? links,
            audit,
            requeue,
            fields,
            ownsBareIds,
            now: () => clock.now(),
          },
          { ...DEFAULT_SYNC_OPTIONS, ...options },
        ),
      run: async (messages, options) => {
        const sync = side.sync(options);
        const prepared = await sync.prepare(messages);
        const results = [];
        for (const message of messages) results.push(await sync.sync(message, prepared));
        return results;
      },
      message: (id, extra = {}) => ({
        v: 1,
        realmId: realm,
        kind: 'customer',
        id,
        source: 'webhook',
        eventId: `e-${realm}-${id}-${clock.now()}`,
        enqueuedAt: clock.now(),
        ...extra,
      }),
    };
    return side;
  };
  const first = realmHarness(realmId, qbo, true);
  const harness: SyncHarness = {
    clock,
    qboSandbox,
    pipedriveSandbox,
    table,
    realmId,
    qbo,
    pipedrive,
    links,
    audit,
    requeued,
    fields,
    sync: first.sync,
    run: first.run,
    message: (id, extra = {}) => ({
      v: 1,
      realmId,
      kind: 'customer',
      id,
      source: 'webhook',
      eventId: `e-${id}-${clock.now()}`,
      enqueuedAt: clock.now(),
      ...extra,
    }),
    addRealm: async (companyName) => {
      const added = qboSandbox.state.realms().length;
      const realm = `4620${String(816_000 + added).padStart(12, '0')}`;
      qboSandbox.state.addCompany(realm, companyName);
      const realmToken = await accessToken(qboSandbox, realm);
      const client = new QuickBooksClient(
        { apiBaseUrl: qboSandbox.url, realmId: realm, timeoutMs: 5000 },
        {
          accessToken: () => Promise.resolve(realmToken),
          refreshAfterRejection: () => accessToken(qboSandbox, realm),
        },
        fetch,
        () => clock.now(),
      );
      return realmHarness(realm, client, false);
    },
    close: async () => {
      await Promise.all([qboSandbox.close(), pipedriveSandbox.close()]);
    },
  };
  return harness;
}
