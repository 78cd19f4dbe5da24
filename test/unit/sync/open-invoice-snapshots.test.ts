import {
  ledgerMayHaveMoved,
  type OpenInvoiceSnapshot,
  snapshotHolds,
  snapshotOf,
} from '../../../functions/sync/open-invoice-snapshots';
import { QboCustomer } from '../../../functions/sync/qbo-entities';

const customer = (fields: Record<string, unknown> = {}): QboCustomer =>
  QboCustomer.parse({
    Id: '7',
    SyncToken: '1',
    DisplayName: 'Acme',
    MetaData: { LastUpdatedTime: '2026-12-01T10:00:00Z' },
    Balance: 100,
    BalanceWithJobs: 150,
    ...fields,
  });
const invoices = { own: [{ due: '2026-11-30', cents: 10_000 }], subCustomers: [{ due: '2026-12-20', cents: 5_000 }] };
const quiet = { customers: [], deletedCustomerIds: [], transactions: 0, customersOnly: false };

describe('open-invoice snapshots (decision 66)', () => {
  const taken: OpenInvoiceSnapshot = snapshotOf(customer(), invoices, 1_000);

  it('hold for a top-level customer read after the ledger last moved, with the same balances', () => {
    expect(snapshotHolds(taken, customer({ CompanyName: 'Renamed' }), 1_000)).toBe(true);
    expect(snapshotHolds(taken, customer(), 1_001)).toBe(false);
    expect(snapshotHolds(taken, customer({ Balance: 90 }), 0)).toBe(false);
    expect(snapshotHolds(taken, customer({ BalanceWithJobs: 140 }), 0)).toBe(false);
    expect(snapshotHolds(taken, customer({ Job: true, ParentRef: { value: '3' } }), 0)).toBe(false);
    expect(snapshotHolds(snapshotOf(customer({ ParentRef: { value: '3' } }), invoices, 1_000), customer(), 0)).toBe(
      false,
    );
    expect(snapshotHolds(undefined, customer(), 0)).toBe(false);
  });

  it('say the ledger may have moved on a transaction, a deletion, a read of customers only or a hierarchy change', () => {
    const known = new Map([['7', taken]]);
    expect(ledgerMayHaveMoved({ ...quiet, customers: [customer()] }, known)).toBe(false);
    expect(ledgerMayHaveMoved({ ...quiet, transactions: 1 }, known)).toBe(true);
    expect(ledgerMayHaveMoved({ ...quiet, deletedCustomerIds: ['9'] }, known)).toBe(true);
    expect(ledgerMayHaveMoved({ ...quiet, customersOnly: true }, known)).toBe(true);
    // A changed sub-customer may have joined or left a parent.
    expect(
      ledgerMayHaveMoved({ ...quiet, customers: [customer({ Job: true, ParentRef: { value: '3' } })] }, known),
    ).toBe(true);
    // A top-level customer without a top-level snapshot may have been a sub-customer until now.
    expect(ledgerMayHaveMoved({ ...quiet, customers: [customer({ Id: '8' })] }, known)).toBe(true);
    const wasSub = new Map([['7', { ...taken, job: true }]]);
    expect(ledgerMayHaveMoved({ ...quiet, customers: [customer()] }, wasSub)).toBe(true);
  });
});
