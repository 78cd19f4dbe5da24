import * as z from '../shared/zod-mini';
import { EmbeddedOpenInvoices } from './open-invoices';
import type { QboCustomer } from './qbo-entities';

/**
 * A customer's open invoices (its own and its sub-customers', by due date) as one read found them
 * (decision 66). It stays exact for as long as QBO's ledger and customer hierarchy have not moved
 * since `readAtMs`: a later poll then sends it with the customer instead of querying again.
 */
export const OpenInvoiceSnapshot = z.object({
  openInvoices: EmbeddedOpenInvoices,
  /** Our clock before the read was sent: every ledger change committed earlier is in it. */
  readAtMs: z.number(),
  /** Whether the customer was a sub-customer when read (a sub-customer made top-level moves its invoices). */
  job: z.boolean(),
  /** The record's balances when read: a ledger change no event announced still shows in them. */
  balance: z.optional(z.number()),
  balanceWithJobs: z.optional(z.number()),
});
export type OpenInvoiceSnapshot = z.infer<typeof OpenInvoiceSnapshot>;

/** Where snapshots are kept (the table, decision 66). */
export interface OpenInvoiceSnapshots {
  getMany(realmId: string, qboIds: readonly string[]): Promise<Map<string, OpenInvoiceSnapshot>>;
  putMany(realmId: string, snapshots: ReadonlyMap<string, OpenInvoiceSnapshot>): Promise<void>;
}

/** A sub-customer in QBO's hierarchy (`Job` with a `ParentRef`; either one is taken as the sign). */
function isSubCustomer(customer: QboCustomer): boolean {
  return customer.Job === true || customer.ParentRef !== undefined;
}

export function snapshotOf(
  customer: QboCustomer,
  openInvoices: EmbeddedOpenInvoices,
  readAtMs: number,
): OpenInvoiceSnapshot {
  return {
    openInvoices,
    readAtMs,
    job: isSubCustomer(customer),
    ...(customer.Balance !== undefined ? { balance: customer.Balance } : {}),
    ...(customer.BalanceWithJobs !== undefined ? { balanceWithJobs: customer.BalanceWithJobs } : {}),
  };
}

/** What a poll read that can move a customer's open invoices. */
export interface LedgerSignals {
  customers: readonly QboCustomer[];
  deletedCustomerIds: readonly string[];
  /** Invoices and payments changed in the window. */
  transactions: number;
  /** A paged fallback read customers only: the window's transactions are unknown. */
  customersOnly: boolean;
}

/**
 * Whether the window may have moved anyone's open invoices, so no earlier snapshot can be trusted:
 * an invoice or payment changed, a customer was deleted (a merge moves its invoices), or a customer's
 * place in the hierarchy may have changed. A changed sub-customer may have joined or left a parent; a
 * top-level customer with no top-level snapshot may have been a sub-customer until now. A credit
 * memo is not in the CDC read: created, it moves its customer's balance (checked per snapshot), and
 * applied, it goes through a Payment (FACTS §4.4; unverified for automatic application, hence the
 * balance check).
 */
export function ledgerMayHaveMoved(signals: LedgerSignals, earlier: ReadonlyMap<string, OpenInvoiceSnapshot>): boolean {
  if (signals.customersOnly || signals.transactions > 0 || signals.deletedCustomerIds.length > 0) return true;
  return signals.customers.some((customer) => isSubCustomer(customer) || earlier.get(customer.Id)?.job !== false);
}

/**
 * Whether a snapshot still holds for a customer's current record: read after the last time the
 * ledger may have moved, and the record's balances unchanged since.
 */
export function snapshotHolds(
  snapshot: OpenInvoiceSnapshot | undefined,
  customer: QboCustomer,
  ledgerMovedAtMs: number,
): snapshot is OpenInvoiceSnapshot {
  return (
    snapshot !== undefined &&
    snapshot.readAtMs >= ledgerMovedAtMs &&
    !snapshot.job &&
    !isSubCustomer(customer) &&
    snapshot.balance === customer.Balance &&
    snapshot.balanceWithJobs === customer.BalanceWithJobs
  );
}
