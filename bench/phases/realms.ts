import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { QBO_RATE_LIMITS, QuickBooksClient } from '../../functions/quickbooks/client';
import { CursorStore } from '../../functions/store/cursor-store';
import { LeaseStore } from '../../functions/store/lease-store';
import { LinkStore } from '../../functions/store/link-store';
import { OpenInvoiceSnapshotStore } from '../../functions/store/open-invoice-snapshot-store';
import type { Table } from '../../functions/store/table';
import { pollChanges } from '../../functions/sync/change-capture';
import { reconcile } from '../../functions/sync/reconcile';
import type { MessageQueue } from '../../functions/sync/sync-message';
import { createConnectorTable } from '../../local/dynamodb/create-table';
import { type QuickBooksSandbox, startQuickBooksSandbox } from '../../local/quickbooks';
import { SandboxClock } from '../../local/shared/clock';
import { pool } from '../naive/naive-sync';
import { editCustomer, qboAccessToken } from '../shared/qbo-control';

/** The deployed schedule (lib/config.ts, lib/functions.ts): a poll every 15 minutes, ten units at once. */
export const POLL_INTERVAL_SECONDS = 15 * 60;

export interface RoundFigures {
  seconds: number;
  /** Units (one per realm) and what they sent to the queues. */
  units: number;
  enqueued: number;
  qboCalls: number;
  /** The slowest single unit: what must fit in the poll function's timeout (5 minutes). */
  slowestUnitSeconds: number;
}

export interface RealmsFigures {
  realms: number;
  customersPerRealm: number;
  concurrency: number;
  editedRealms: number;
  firstPoll: RoundFigures;
  poll: RoundFigures;
  reconcile: RoundFigures;
}

/**
 * Many QBO companies in one deployment (decision 38), on the QBO sandbox and DynamoDB Local, on the
 * wall clock: each realm's poll and reconcile is one unit, run `concurrency` at a time as the schedule
 * queue's event source runs them, each with its own QBO client (its own Lambda container). Lambda's
 * own start-up is not simulated; the machine's load is in the figures.
 */
export async function measureRealms(options: {
  dynamoEndpoint: string;
  realms: number;
  customersPerRealm: number;
  concurrency: number;
  editedRealms: number;
  log: (line: string) => void;
}): Promise<RealmsFigures> {
  const clock = new SandboxClock();
  const qboSandbox = await startQuickBooksSandbox({ clock, seed: false });
  const dynamo = new DynamoDBClient({
    endpoint: options.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const table: Table = {
    client: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    name: `ml-connector-bench-realms-${randomUUID().slice(0, 8)}`,
  };
  try {
    await createConnectorTable(dynamo, table.name);
    const realms: string[] = [];
    for (let i = 0; i < options.realms; i++) {
      const realmId = `4620${String(816_000 + i).padStart(12, '0')}`;
      qboSandbox.state.addCompany(realmId, `Client Company ${i + 1}`);
      qboSandbox.state.seed(realmId, { count: options.customersPerRealm, seed: i + 1 });
      realms.push(realmId);
    }
    const tokens = new Map<string, string>();
    for (const realmId of realms) tokens.set(realmId, await qboAccessToken(qboSandbox, realmId));
    options.log(`${options.realms} realms of ${options.customersPerRealm} customers each on the QBO sandbox`);

    const round = (mode: 'poll' | 'reconcile') =>
      runRound(qboSandbox, table, realms, tokens, mode, options.concurrency);
    const firstPoll = await round('poll');
    options.log(`first poll round (cursors set): ${firstPoll.seconds} s`);
    for (const realmId of realms.slice(0, options.editedRealms)) {
      const [first] = qboSandbox.state.ledger(realmId).company.all('Customer');
      const id = first?.record.Id;
      if (typeof id === 'string') await editCustomer(qboSandbox, realmId, id, { Notes: 'edited for the bench' });
    }
    const poll = await round('poll');
    options.log(`poll round: ${poll.seconds} s, ${poll.enqueued} changes enqueued`);
    const reconciled = await round('reconcile');
    options.log(`reconcile round: ${reconciled.seconds} s, ${reconciled.enqueued} customers enqueued`);
    return {
      realms: options.realms,
      customersPerRealm: options.customersPerRealm,
      concurrency: options.concurrency,
      editedRealms: options.editedRealms,
      firstPoll,
      poll,
      reconcile: reconciled,
    };
  } finally {
    await qboSandbox.close();
    dynamo.destroy();
  }
}

async function runRound(
  qboSandbox: QuickBooksSandbox,
  table: Table,
  realms: readonly string[],
  tokens: Map<string, string>,
  mode: 'poll' | 'reconcile',
  concurrency: number,
): Promise<RoundFigures> {
  let enqueued = 0;
  let qboCalls = 0;
  let slowest = 0;
  const queue: MessageQueue = {
    send: (messages) => {
      enqueued += messages.length;
      return Promise.resolve();
    },
  };
  const owner = randomUUID();
  const started = Date.now();
  await pool(realms, concurrency, async (realmId) => {
    const unitStarted = Date.now();
    // One unit, one invocation: a fresh client with the container's own pacing.
    const qbo = new QuickBooksClient(
      { apiBaseUrl: qboSandbox.url, realmId, timeoutMs: 30_000, rateLimits: QBO_RATE_LIMITS },
      {
        accessToken: () => Promise.resolve(tokens.get(realmId) ?? ''),
        refreshAfterRejection: () => qboAccessToken(qboSandbox, realmId),
      },
      fetch,
      Date.now,
    );
    if (mode === 'poll')
      await pollChanges(realmId, {
        qbo,
        cursors: new CursorStore(table),
        leases: new LeaseStore(table),
        queue,
        pushed: new LinkStore(table),
        snapshots: new OpenInvoiceSnapshotStore(table),
        now: Date.now,
        owner,
      });
    else
      await reconcile(realmId, {
        customerPages: () => qbo.customerPages(),
        links: (realm) => new LinkStore(table).list(realm),
        queue,
        now: Date.now,
      });
    qboCalls += qbo.calls;
    slowest = Math.max(slowest, Date.now() - unitStarted);
  });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  return {
    seconds,
    units: realms.length,
    enqueued,
    qboCalls,
    slowestUnitSeconds: Math.round(slowest / 100) / 10,
  };
}
