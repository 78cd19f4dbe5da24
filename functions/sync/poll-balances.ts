import { isConnectorError } from '../shared/errors';
import { type EmbeddedOpenInvoices, MAX_SUB_CUSTOMER_LEVELS, openInvoicesByCustomer } from './open-invoices';
import type { QboCustomer, QboInvoice } from './qbo-entities';

/** What the poll reads to send each changed customer with its open invoices (decision 65). */
export interface OpenInvoiceSource {
  childrenOf(parentIds: readonly string[]): Promise<QboCustomer[]>;
  openInvoicesOf(customerIds: readonly string[]): Promise<QboInvoice[]>;
}

/**
 * The open invoices of the customers a poll found, and of their sub-customers, read once for the
 * whole poll (decision 65): one sub-customer query per level and one invoice query per 100 ids,
 * however many customers changed. The worker then queries nothing for a customer whose record
 * and invoices came with its message. Best effort: when QBO cannot answer (ParentRef filtering is
 * unverified, a throttle), no message carries invoices and the worker queries as before.
 */
export async function openInvoicesForPoll(
  qbo: OpenInvoiceSource,
  customers: readonly QboCustomer[],
): Promise<Map<string, EmbeddedOpenInvoices>> {
  if (customers.length === 0) return new Map();
  try {
    const known = new Map(customers.map((customer) => [customer.Id, customer]));
    // A changed sub-customer under a changed parent is known already, but its own sub-customers are not.
    const asked = new Set<string>();
    let frontier = customers.filter((customer) => !customer.Job).map((customer) => customer.Id);
    for (let level = 0; level < MAX_SUB_CUSTOMER_LEVELS && frontier.length > 0; level++) {
      for (const id of frontier) asked.add(id);
      const children = await qbo.childrenOf(frontier);
      for (const child of children) known.set(child.Id, child);
      frontier = [...new Set(children.map((child) => child.Id))].filter((id) => !asked.has(id));
    }
    const invoices = await qbo.openInvoicesOf([...known.keys()]);
    const all = openInvoicesByCustomer([...known.values()], invoices);
    return new Map(
      customers.flatMap((customer) => {
        const due = all.get(customer.Id);
        return due ? [[customer.Id, due] as const] : [];
      }),
    );
  } catch (error) {
    if (isConnectorError(error)) return new Map();
    throw error;
  }
}
