import { isConnectorError } from '../shared/errors';
import type { InvalidRecord } from './ports';
import { QboCustomer } from './qbo-entities';
import { parseQboTime } from './qbo-time';
import type { SyncContext } from './sync-context';
import type { SyncMessage } from './sync-message';

/** Everything a batch needs from QBO, read once for the whole batch. */
export interface PreparedBatch {
  customers: Map<string, QboCustomer>;
  invalid: Map<string, InvalidRecord>;
  missing: Set<string>;
  customerOf: Map<string, string>;
  overdue: Map<string, number>;
  /** Sub-customer ids under each customer (all levels), for rolled-up overdue balances. */
  descendants: Map<string, string[]>;
  terms: Map<string, string>;
}

const MAX_LEVELS = 4;

/** Reads, in as few QBO calls as possible, everything the batch's messages need. */
export async function prepareBatch(context: SyncContext, messages: readonly SyncMessage[]): Promise<PreparedBatch> {
  const { qbo, now } = context.deps;
  const prepared: PreparedBatch = {
    customers: new Map(),
    invalid: new Map(),
    missing: new Set(),
    customerOf: new Map(),
    overdue: new Map(),
    descendants: new Map(),
    terms: new Map(),
  };
  for (const entity of ['Invoice', 'Payment'] as const) {
    const ids = messages.filter((m) => m.kind === entity.toLowerCase()).map((m) => m.id);
    if (ids.length === 0) continue;
    for (const [txnId, customerId] of await qbo.customersOf(entity, ids))
      prepared.customerOf.set(`${entity.toLowerCase()}:${txnId}`, customerId);
  }
  await readCustomers(
    context,
    messages.filter((m) => m.kind === 'customer'),
    prepared,
  );
  const customers = [...prepared.customers.values()];
  if (customers.length === 0) return prepared;
  if (context.options.subCustomers === 'rollup')
    await collectDescendants(
      context,
      customers.filter((c) => !c.Job).map((c) => c.Id),
      prepared,
    );
  const overdueIds = [...new Set([...prepared.customers.keys(), ...[...prepared.descendants.values()].flat()])];
  prepared.overdue = await qbo.overdueBalances(overdueIds, new Date(now()).toISOString().slice(0, 10));
  prepared.terms = await qbo.termNames();
  return prepared;
}

/** The customers of the batch: embedded when that is safe, read from QBO otherwise. */
async function readCustomers(
  context: SyncContext,
  customerMessages: readonly SyncMessage[],
  prepared: PreparedBatch,
): Promise<void> {
  const links = await context.deps.links.getMany(
    context.realmId,
    customerMessages.filter((m) => m.record !== undefined).map((m) => m.id),
  );
  const toRead: string[] = [];
  for (const message of customerMessages) {
    const embedded = message.record === undefined ? undefined : QboCustomer.safeParse(message.record);
    // An embedded (CDC) record saves a read only when it is newer than what was pushed: balances
    // change without a new LastUpdatedTime, so an equal time may hide an older balance.
    const pushedAt = links.get(message.id)?.lastPushedUpdatedAtMs;
    const newer =
      embedded?.success && (pushedAt === undefined || parseQboTime(embedded.data.MetaData.LastUpdatedTime) > pushedAt);
    if (embedded?.success && newer) prepared.customers.set(message.id, embedded.data);
    else toRead.push(message.id);
  }
  if (toRead.length === 0) return;
  const read = await context.deps.qbo.readCustomers(toRead);
  for (const customer of read.customers) prepared.customers.set(customer.Id, customer);
  for (const record of read.invalid) if (record.id !== undefined) prepared.invalid.set(record.id, record);
  for (const id of read.missing) prepared.missing.add(id);
}

/** Sub-customers under each top-level customer, all levels down to MAX_LEVELS, for rolled-up balances. */
async function collectDescendants(
  context: SyncContext,
  topLevelIds: readonly string[],
  prepared: PreparedBatch,
): Promise<void> {
  const ancestorOf = new Map<string, string>(topLevelIds.map((id) => [id, id]));
  let frontier = [...topLevelIds];
  for (let level = 0; level < MAX_LEVELS && frontier.length > 0; level++) {
    let children: QboCustomer[];
    try {
      children = await context.deps.qbo.childrenOf(frontier);
    } catch (error) {
      // Filtering customers by ParentRef is unverified at Intuit; without it the overdue balance is the parent's own.
      if (isConnectorError(error) && error.kind === 'permanent') {
        context.log.warn('sub-customers could not be listed; overdue balances exclude them', {
          realmId: context.realmId,
        });
        return;
      }
      throw error;
    }
    frontier = [];
    for (const child of children) {
      const top = ancestorOf.get(child.ParentRef?.value ?? '');
      if (top === undefined || ancestorOf.has(child.Id)) continue;
      ancestorOf.set(child.Id, top);
      prepared.descendants.set(top, [...(prepared.descendants.get(top) ?? []), child.Id]);
      frontier.push(child.Id);
    }
  }
}
