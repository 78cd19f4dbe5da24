import { mapCustomer, type MappedCustomer } from './mapping-engine';
import { overdueBalanceOf, type PreparedBatch, prepareBatch } from './prepare-batch';
import type { QboCustomer } from './qbo-entities';
import type { SyncContext } from './sync-context';
import { syncMessage } from './sync-message';

/** How a customer maps by the context's document, with the balances and terms its batch read. */
export function mapPrepared(context: SyncContext, customer: QboCustomer, prepared: PreparedBatch): MappedCustomer {
  const { options } = context;
  const termId = customer.SalesTermRef?.value;
  return mapCustomer(
    customer,
    {
      realmId: context.realmId,
      status: customer.Active ? 'Active' : 'Inactive',
      overdueBalance: overdueBalanceOf(customer, prepared, options.subCustomers),
      paymentTerms: termId ? prepared.terms.get(termId) : undefined,
    },
    options,
    context.mapping,
  );
}

/**
 * How the customers `ids` map now by the context's document, read from QBO as a batch of their
 * messages would be (a mapping plan, decision 61); nothing is written. A customer QBO no longer has,
 * one that fails validation and an excluded sub-customer are left out: their sync writes no mapped
 * payload. Apart from CustomerSync, so the operations function does not bundle the whole sync.
 */
export async function mapCustomersNow(
  context: SyncContext,
  ids: readonly string[],
): Promise<Map<string, MappedCustomer>> {
  const now = context.deps.now();
  const messages = ids.map((id) =>
    syncMessage({
      realmId: context.realmId,
      kind: 'customer',
      id,
      source: 'reconcile',
      eventId: `plan:${id}`,
      enqueuedAt: now,
    }),
  );
  const prepared = await prepareBatch(context, messages);
  const out = new Map<string, MappedCustomer>();
  for (const [id, customer] of prepared.customers) {
    if (customer.Job && customer.ParentRef && context.options.subCustomers !== 'separate') continue;
    out.set(id, mapPrepared(context, customer, prepared));
  }
  return out;
}
