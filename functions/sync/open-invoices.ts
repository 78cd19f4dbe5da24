import * as z from '../shared/zod-mini';
import type { QboCustomer, QboInvoice } from './qbo-entities';

/** How many levels of sub-customers a parent's overdue balance rolls up (QBO allows four below the parent). */
export const MAX_SUB_CUSTOMER_LEVELS = 4;

/** Open invoice balances by due date; `due` absent when the invoice has none (never overdue). */
export const DueAmounts = z.array(z.object({ due: z.optional(z.string()), cents: z.int() })).check(z.maxLength(200));
export type DueAmounts = z.infer<typeof DueAmounts>;

/**
 * The open invoices behind a customer's overdue balance, as the backfill read them with its record
 * (decision 60): its own and, for a parent, those of its sub-customers. The worker evaluates them on
 * its own day, so a due date passing between the read and the sync still counts.
 */
export const EmbeddedOpenInvoices = z.object({ own: DueAmounts, subCustomers: DueAmounts });
export type EmbeddedOpenInvoices = z.infer<typeof EmbeddedOpenInvoices>;

const cents = (amount: number): number => Math.round(amount * 100);

/** The overdue part of `amounts` on `today` (YYYY-MM-DD), in currency units: invoices due before today. */
export function overdueOn(amounts: DueAmounts, today: string): number {
  const total = amounts.reduce((sum, item) => (item.due !== undefined && item.due < today ? sum + item.cents : sum), 0);
  return total / 100;
}

/** Sub-customer ids under each top-level customer, all levels down to MAX_SUB_CUSTOMER_LEVELS, from every customer read. */
export function descendantsOf(customers: readonly QboCustomer[]): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const customer of customers) {
    const parent = customer.ParentRef?.value;
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), customer.Id]);
  }
  const out = new Map<string, string[]>();
  for (const top of customers.filter((c) => !c.Job)) {
    const seen = new Set([top.Id]);
    let frontier = [top.Id];
    for (let level = 0; level < MAX_SUB_CUSTOMER_LEVELS && frontier.length > 0; level++) {
      frontier = frontier.flatMap((id) => children.get(id) ?? []).filter((id) => !seen.has(id));
      for (const id of frontier) seen.add(id);
      if (frontier.length > 0) out.set(top.Id, [...(out.get(top.Id) ?? []), ...frontier]);
    }
  }
  return out;
}

/**
 * For every customer, its open invoices by due date and, for a top-level one, its sub-customers',
 * from one read of all customers and one of all open invoices (the backfill, decision 60). A customer
 * with more due dates than a message carries gets none: the worker then queries as for any change.
 */
export function openInvoicesByCustomer(
  customers: readonly QboCustomer[],
  openInvoices: readonly QboInvoice[],
): Map<string, EmbeddedOpenInvoices> {
  const own = new Map<string, Map<string, number>>();
  for (const invoice of openInvoices) {
    if (invoice.Balance <= 0) continue;
    const byDue = own.get(invoice.CustomerRef.value) ?? new Map<string, number>();
    const due = invoice.DueDate ?? '';
    byDue.set(due, (byDue.get(due) ?? 0) + cents(invoice.Balance));
    own.set(invoice.CustomerRef.value, byDue);
  }
  const descendants = descendantsOf(customers);
  const out = new Map<string, EmbeddedOpenInvoices>();
  for (const customer of customers) {
    const mine = amounts([own.get(customer.Id)]);
    const theirs = amounts((descendants.get(customer.Id) ?? []).map((id) => own.get(id)));
    const embedded = EmbeddedOpenInvoices.safeParse({ own: mine, subCustomers: theirs });
    if (embedded.success) out.set(customer.Id, embedded.data);
  }
  return out;
}

function amounts(sources: readonly (Map<string, number> | undefined)[]): DueAmounts {
  const merged = new Map<string, number>();
  for (const source of sources)
    for (const [due, value] of source ?? []) merged.set(due, (merged.get(due) ?? 0) + value);
  return [...merged].map(([due, value]) => (due === '' ? { cents: value } : { due, cents: value }));
}
