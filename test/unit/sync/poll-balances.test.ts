import { PermanentError, RateLimitedError } from '../../../functions/shared/errors';
import { openInvoicesForPoll, type OpenInvoiceSource } from '../../../functions/sync/poll-balances';
import { QboCustomer, QboInvoice } from '../../../functions/sync/qbo-entities';

const customer = (id: string, parent?: string) =>
  QboCustomer.parse({
    Id: id,
    SyncToken: '0',
    DisplayName: `Customer ${id}`,
    MetaData: { LastUpdatedTime: '2026-12-01T10:00:00-08:00' },
    ...(parent ? { Job: true, ParentRef: { value: parent } } : {}),
  });
const invoice = (customerId: string, balance: number, due: string) =>
  QboInvoice.parse({ Id: `i${customerId}${due}`, CustomerRef: { value: customerId }, Balance: balance, DueDate: due });

describe("the poll's read of its customers' open invoices (decision 65)", () => {
  it('reads sub-customers level by level and the open invoices of all of them once', async () => {
    const asked: string[][] = [];
    const source: OpenInvoiceSource = {
      childrenOf: (ids) => {
        asked.push([...ids]);
        return Promise.resolve(
          ids.includes('1') ? [customer('2', '1')] : ids.includes('2') ? [customer('3', '2')] : [],
        );
      },
      openInvoicesOf: (ids) => {
        asked.push([...ids]);
        return Promise.resolve([invoice('1', 10, '2026-11-01'), invoice('3', 5.5, '2026-11-02')]);
      },
    };
    const due = await openInvoicesForPoll(source, [customer('1')]);
    expect(asked).toEqual([['1'], ['2'], ['3'], ['1', '2', '3']]);
    expect(due.get('1')).toEqual({
      own: [{ due: '2026-11-01', cents: 1000 }],
      subCustomers: [{ due: '2026-11-02', cents: 550 }],
    });
    // Only the customers the poll found get a message, so only they are answered for.
    expect([...due.keys()]).toEqual(['1']);
  });

  it('reads the sub-customers of a changed sub-customer when its parent changed too', async () => {
    const source: OpenInvoiceSource = {
      childrenOf: (ids) =>
        Promise.resolve(ids.includes('1') ? [customer('2', '1')] : ids.includes('2') ? [customer('3', '2')] : []),
      openInvoicesOf: () => Promise.resolve([invoice('3', 7, '2026-11-03')]),
    };
    const due = await openInvoicesForPoll(source, [customer('1'), customer('2', '1')]);
    expect(due.get('1')?.subCustomers).toEqual([{ due: '2026-11-03', cents: 700 }]);
  });

  it.each([
    ['ParentRef filtering refused', new PermanentError('not supported', { system: 'quickbooks' })],
    ['a throttle', new RateLimitedError('throttled', { system: 'quickbooks', retryAfterMs: 60_000 })],
  ])('leaves the invoices to the worker when QBO cannot answer (%s)', async (_, error) => {
    const source: OpenInvoiceSource = {
      childrenOf: () => Promise.reject(error),
      openInvoicesOf: () => Promise.resolve([]),
    };
    expect(await openInvoicesForPoll(source, [customer('1')])).toEqual(new Map());
  });

  it('does not hide a programming error', async () => {
    const source: OpenInvoiceSource = {
      childrenOf: () => Promise.reject(new TypeError('bug')),
      openInvoicesOf: () => Promise.resolve([]),
    };
    await expect(openInvoicesForPoll(source, [customer('1')])).rejects.toThrow(TypeError);
  });
});
