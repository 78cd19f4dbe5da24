import { numberField, refValue, stringField } from '../../local/quickbooks/json';
import type { Company } from '../../local/quickbooks/company';
import type { MappingOptions } from '../../functions/sync/mapping';
import { mapCustomer, type MappedCustomer } from '../../functions/sync/mapping-engine';
import { QboCustomer } from '../../functions/sync/qbo-entities';

/** The mapping options the local stack's worker runs with (its environment's defaults). */
export const LOCAL_MAPPING: MappingOptions = {
  subCustomers: 'rollup',
  qboAppUrl: 'https://app.sandbox.qbo.intuit.com',
  homeCurrency: 'USD',
};

export interface ExpectedCustomers {
  /** Top-level customers, by id, as the real mapping maps them from the sandbox's books. */
  mapped: Map<string, MappedCustomer>;
  /** Sub-customers: rolled up into their parent, no organization of their own. */
  subCustomers: Set<string>;
  /** Customers QBO no longer has (merged away). */
  deleted: Set<string>;
}

/**
 * What Pipedrive must hold, computed from the QBO sandbox's own books with the connector's real
 * mapping: overdue is the sum of open invoices due before today (UTC, as the worker asks QBO),
 * rolled up over sub-customers.
 */
export function expectedCustomers(company: Company, now: number): ExpectedCustomers {
  const today = new Date(now).toISOString().slice(0, 10);
  const overdue = new Map<string, number>();
  for (const { record, deleted } of company.all('Invoice')) {
    const balance = numberField(record, 'Balance') ?? 0;
    const due = stringField(record, 'DueDate');
    const customerId = refValue(record, 'CustomerRef');
    if (deleted || balance <= 0 || due === undefined || due >= today || customerId === undefined) continue;
    overdue.set(customerId, Math.round(((overdue.get(customerId) ?? 0) + balance) * 100) / 100);
  }
  const terms = new Map<string, string>();
  for (const { record } of company.all('Term')) {
    const id = stringField(record, 'Id');
    const name = stringField(record, 'Name');
    if (id !== undefined && name !== undefined) terms.set(id, name);
  }
  const customers = new Map<string, QboCustomer>();
  const deleted = new Set<string>();
  for (const stored of company.all('Customer')) {
    const id = stringField(stored.record, 'Id') ?? '';
    if (stored.deleted) {
      deleted.add(id);
      continue;
    }
    customers.set(id, QboCustomer.parse(stored.record));
  }
  const topOf = (customer: QboCustomer): string => {
    let current = customer;
    for (let level = 0; level < 10 && current.Job && current.ParentRef; level++) {
      const parent = customers.get(current.ParentRef.value);
      if (!parent) break;
      current = parent;
    }
    return current.Id;
  };
  const rolledOverdue = new Map<string, number>();
  const subCustomers = new Set<string>();
  for (const customer of customers.values()) {
    const top = topOf(customer);
    if (top !== customer.Id) subCustomers.add(customer.Id);
    rolledOverdue.set(top, (rolledOverdue.get(top) ?? 0) + (overdue.get(customer.Id) ?? 0));
  }
  const mapped = new Map<string, MappedCustomer>();
  for (const customer of customers.values()) {
    if (subCustomers.has(customer.Id)) continue;
    const termId = customer.SalesTermRef?.value;
    mapped.set(
      customer.Id,
      mapCustomer(
        customer,
        {
          realmId: company.realmId,
          status: customer.Active ? 'Active' : 'Inactive',
          overdueBalance: Math.round((rolledOverdue.get(customer.Id) ?? 0) * 100) / 100,
          paymentTerms: termId ? terms.get(termId) : undefined,
        },
        LOCAL_MAPPING,
      ),
    );
  }
  return { mapped, subCustomers, deleted };
}
