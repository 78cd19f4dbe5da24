import { runBackfill } from '../../functions/sync/backfill';
import { organizationName } from '../../functions/sync/mapping';
import type { QueuedMessage } from '../../functions/sync/sync-message';
import { startInProcessHarness, WORKER_SYNC_OPTIONS } from '../harness/in-process';
import { workerBatch } from '../harness/sync-batch';
import { drainQueue, type QueueRun } from '../harness/virtual-queue';
import { meter, type Usage } from '../shared/meter';
import { organizationsWithQuickbooksId } from '../../functions/pipedrive/organizations-with-quickbooks-id';

/** The bulk queue's event source (lib/functions.ts): batches of 10, two at once. */
const BULK = { batchSize: 10, concurrency: 2 };

export interface BackfillFigures {
  customers: number;
  organizations: number;
  persons: number;
  usage: Usage;
  queue: QueueRun;
  /** Sandbox time from the start of the backfill until the last message was handled. */
  elapsedMs: number;
  /** Sandbox time spent waiting with nothing to send (the next budget day). */
  idleMs: number;
  /** Budget days with tokens spent. */
  budgetDays: number;
  /** Tokens spent per budget day. */
  tokensPerDay: Record<string, number>;
  dailyLimit: number;
}

/**
 * The first sync of a connection, as production runs it: the backfill handler's use case
 * (runBackfill: paged QBO query, one Pipedrive list, everything onto the bulk queue), then the
 * worker's CustomerSync over the bulk queue, on the virtual clock (sandbox time).
 */
export async function measureBackfill(options: {
  customers: number;
  budgetShare: number;
  /** Where links and the token ledger live (in-process.ts); DynamoDB Local needs `dynamoEndpoint`. */
  stores: 'dynamodb' | 'memory';
  dynamoEndpoint?: string;
}): Promise<BackfillFigures> {
  const harness = await startInProcessHarness({
    dynamoEndpoint: options.dynamoEndpoint,
    seedCount: options.customers,
    budgetShare: options.budgetShare,
    stores: options.stores,
  });
  try {
    const { pipedrive, qbo, clock, realmId, links, snapshots, fields } = harness;
    const measured = meter({ pipedrive: harness.pipedriveSandbox, qbo: harness.qboSandbox });
    const started = clock.now();
    const enqueued: QueuedMessage[] = [];
    const key = fields.fieldKeys.quickbooksId;
    const { summary } = await runBackfill(
      realmId,
      {
        customerPages: () => qbo.customerPages(),
        openInvoicePages: () => qbo.openInvoicePages(),
        organizationPages: () => organizationsWithQuickbooksId(pipedrive, key),
        personPages: () => pipedrive.personPages(),
        repoint: (...args) => links.repoint(...args),
        holdForReview: (realm, qboId, reason, now) => links.markState(realm, qboId, 'review', reason, now),
        snapshots,
        queue: {
          send: (messages) => {
            enqueued.push(...messages);
            return Promise.resolve();
          },
        },
        now: () => clock.now(),
        nameOf: (customer) => organizationName(customer, WORKER_SYNC_OPTIONS),
        // The benchmark measures the backfill and its queue; no CDC poll follows it.
        startPolling: () => Promise.resolve(),
        ownsBareIds: true,
      },
      false,
    );
    const queue = await drainQueue({ clock, messages: enqueued, ...BULK, work: workerBatch(harness) });
    const tokensPerDay = harness.pipedriveSandbox.budget.ledger();
    const live = <T extends { is_deleted?: boolean }>(records: Iterable<T>) =>
      [...records].filter((r) => r.is_deleted !== true).length;
    return {
      customers: summary.customers,
      organizations: live(harness.pipedriveSandbox.store.organizations.values()),
      persons: live(harness.pipedriveSandbox.store.persons.values()),
      usage: measured(),
      queue,
      elapsedMs: clock.now() - started,
      idleMs: queue.idleMs,
      budgetDays: Object.values(tokensPerDay).filter((tokens) => tokens > 0).length,
      tokensPerDay,
      dailyLimit: harness.governor.dailyLimit,
    };
  } finally {
    await harness.close();
  }
}
