import type { SubCustomerRule } from './mapping';
import { isConnectorError } from '../shared/errors';
import type { InvalidRecord } from './ports';
import { MAX_SUB_CUSTOMER_LEVELS, overdueOn } from './open-invoices';
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

/** A customer's overdue balance from the batch's reads: with its sub-customers' when they roll up. */
export function overdueBalanceOf(
  customer: QboCustomer,
  prepared: PreparedBatch,
  subCustomers: SubCustomerRule,
): number {
  const ids =
    subCustomers === 'rollup' ? [customer.Id, ...(prepared.descendants.get(customer.Id) ?? [])] : [customer.Id];
  const overdue = ids.reduce((sum, id) => sum + (prepared.overdue.get(id) ?? 0), 0);
  return Math.round(overdue * 100) / 100;
}

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
  const today = new Date(now()).toISOString().slice(0, 10);
  const settled = await readCustomers(
    context,
    messages.filter((m) => m.kind === 'customer'),
    prepared,
    today,
  );
  const customers = [...prepared.customers.values()];
  if (customers.length === 0) return prepared;
  const toQuery = customers.filter((c) => !settled.has(c.Id));
  if (context.options.subCustomers === 'rollup')
    await collectDescendants(
      context,
      toQuery.filter((c) => !c.Job).map((c) => c.Id),
      prepared,
    );
  const overdueIds = [...new Set([...toQuery.map((c) => c.Id), ...[...prepared.descendants.values()].flat()])];
  if (overdueIds.length > 0)
    for (const [id, amount] of await qbo.overdueBalances(overdueIds, today)) prepared.overdue.set(id, amount);
  prepared.terms = await qbo.termNames();
  return prepared;
}

/**
 * The customers of the batch: embedded when that is safe, read from QBO otherwise. Returns the ids
 * whose overdue balance came embedded with the record (a backfill's, decision 60): no query for them.
 */
async function readCustomers(
  context: SyncContext,
  customerMessages: readonly SyncMessage[],
  prepared: PreparedBatch,
  today: string,
): Promise<Set<string>> {
  const links = await context.deps.links.getMany(
    context.realmId,
    customerMessages.filter((m) => m.record !== undefined).map((m) => m.id),
  );
  const toRead: string[] = [];
  const settled = new Set<string>();
  for (const message of customerMessages) {
    const embedded = message.record === undefined ? undefined : QboCustomer.safeParse(message.record);
    // An embedded (CDC) record saves a read only when it is newer than what was pushed: balances
    // change without a new LastUpdatedTime, so an equal time may hide an older balance.
    const pushedAt = links.get(message.id)?.lastPushedUpdatedAtMs;
    const newer =
      embedded?.success && (pushedAt === undefined || parseQboTime(embedded.data.MetaData.LastUpdatedTime) > pushedAt);
    if (embedded?.success && newer) {
      prepared.customers.set(message.id, embedded.data);
      if (message.openInvoices) {
        // The record and its invoices were read together; the parent's sum includes its sub-customers' as the query path does.
        const rollsUp = context.options.subCustomers === 'rollup' && !embedded.data.Job;
        const amounts = [...message.openInvoices.own, ...(rollsUp ? message.openInvoices.subCustomers : [])];
        prepared.overdue.set(message.id, overdueOn(amounts, today));
        settled.add(message.id);
      }
    } else toRead.push(message.id);
  }
  // Another message of the batch wants the same customer read afresh: its embedded invoices may be older.
  for (const id of toRead) {
    settled.delete(id);
    prepared.overdue.delete(id);
  }
  if (toRead.length === 0) return settled;
  const read = await context.deps.qbo.readCustomers(toRead);
  for (const customer of read.customers) prepared.customers.set(customer.Id, customer);
  for (const record of read.invalid) if (record.id !== undefined) prepared.invalid.set(record.id, record);
  for (const id of read.missing) prepared.missing.add(id);
  return settled;
}

/** Sub-customers under each top-level customer, all levels down to MAX_SUB_CUSTOMER_LEVELS, for rolled-up balances. */
async function collectDescendants(
  context: SyncContext,
  topLevelIds: readonly string[],
  prepared: PreparedBatch,
): Promise<void> {
  const ancestorOf = new Map<string, string>(topLevelIds.map((id) => [id, id]));
  let frontier = [...topLevelIds];
  for (let level = 0; level < MAX_SUB_CUSTOMER_LEVELS && frontier.length > 0; level++) {
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
