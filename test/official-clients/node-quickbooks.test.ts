import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import QuickBooks from 'node-quickbooks';
import * as z from 'zod';
import { type QuickBooksSandbox, startQuickBooksSandbox } from '../../local/quickbooks';

/**
 * node-quickbooks 2.x, the community Node client Intuit links to, against the QBO sandbox on
 * 127.0.0.1. Its API base is the instance's `endpoint` (Intuit's sandbox host by default); the
 * client's own field is pointed at the sandbox, so no request leaves loopback.
 *
 * The sandbox answers with ~110 ms of latency, as a real server would: this sequential client
 * then stays under QBO's 10 requests a second without any pause of its own.
 */

type Callback = (error: unknown, data?: unknown) => void;

/** node-quickbooks is callback-based; this resolves with what it passes on, or rejects with its error. */
function call(run: (callback: Callback) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    run((error, data) => {
      if (error) reject(error instanceof Error ? error : Object.assign(new Error('QuickBooks fault'), { body: error }));
      else resolve(data);
    });
  });
}

const Fault = z.object({
  Error: z.array(z.object({ Message: z.string(), code: z.string() })).min(1),
  type: z.string(),
});
/** The fault in a rejected call: the response body of an HTTP error, or the body of a 200 carrying a Fault. */
async function faultOf(promise: Promise<unknown>): Promise<z.infer<typeof Fault>> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  const parsed = z
    .union([z.object({ response: z.object({ data: z.object({ Fault }) }) }), z.object({ body: z.object({ Fault }) })])
    .parse(error);
  return 'response' in parsed ? parsed.response.data.Fault : parsed.body.Fault;
}

const Customer = z.looseObject({
  Id: z.string(),
  SyncToken: z.string(),
  DisplayName: z.string(),
  Active: z.boolean(),
  CompanyName: z.string().optional(),
  PrimaryEmailAddr: z.object({ Address: z.string() }).optional(),
  BillAddr: z.looseObject({ Id: z.string(), City: z.string().optional() }).optional(),
});
const CustomerQuery = z.object({
  QueryResponse: z.object({ Customer: z.array(Customer).optional(), maxResults: z.number().optional() }),
});

let sandbox: QuickBooksSandbox;
let qbo: QuickBooks;
let webhookServer: Server;
const webhookBodies: unknown[] = [];

beforeAll(async () => {
  webhookServer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      webhookBodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => webhookServer.listen(0, '127.0.0.1', resolve));
  const { port } = z
    .custom<AddressInfo>((value) => typeof value === 'object' && value !== null)
    .parse(webhookServer.address());
  sandbox = await startQuickBooksSandbox({
    seed: { count: 12, seed: 7 },
    latency: { minMs: 105, maxMs: 120 },
    webhooks: { url: `http://127.0.0.1:${port}/webhooks`, format: 'legacy' },
  });
  const description = sandbox.describe();
  const tokens = sandbox.state.oauth.issueForRealm(description.realmId);
  qbo = new QuickBooks(
    description.clientId,
    description.clientSecret,
    tokens.access_token,
    false,
    description.realmId,
    true,
    false,
    '75',
    '2.0',
    tokens.refresh_token,
  );
  qbo.endpoint = `${sandbox.url}/v3/company/`;
}, 30_000);
afterAll(async () => {
  await sandbox.close();
  await new Promise((resolve) => webhookServer.close(resolve));
});

const activeCustomers = () =>
  sandbox.state
    .requireCompany(sandbox.describe().realmId)
    .all('Customer')
    .filter((stored) => !stored.deleted && stored.record.Active !== false);

/** A stored record's Id (always a string in QBO). */
const idOf = (record: { Id?: unknown } | undefined): string => z.string().parse(record?.Id);

const uniqueName = (label: string) => `${label} ${Math.random().toString(36).slice(2, 8)}`;

describe('node-quickbooks against the QBO sandbox', () => {
  it('findCustomers with a criterion finds exactly the named customer', async () => {
    const target = activeCustomers()[3]?.record;
    const name = z.string().parse(target?.DisplayName);
    const found = CustomerQuery.parse(
      await call((callback) => {
        qbo.findCustomers([{ field: 'DisplayName', value: name, operator: '=' }], callback);
      }),
    );
    expect(found.QueryResponse.Customer?.map((customer) => customer.DisplayName)).toEqual([name]);
    expect(found.QueryResponse.Customer?.[0]?.Id).toBe(target?.Id);
  });

  it('findCustomers with fetchAll pages through every active customer', async () => {
    const all = CustomerQuery.parse(
      await call((callback) => {
        qbo.findCustomers(
          [
            { field: 'fetchAll', value: true },
            { field: 'limit', value: 5 },
          ],
          callback,
        );
      }),
    );
    const ids = all.QueryResponse.Customer?.map((customer) => customer.Id) ?? [];
    // More than one page of 5, and each active customer once.
    expect(ids.length).toBeGreaterThan(5);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(
      activeCustomers()
        .map((stored) => idOf(stored.record))
        .sort(),
    );
  });

  it('getCustomer reads one by id', async () => {
    const target = activeCustomers()[0]?.record;
    const customer = Customer.parse(
      await call((callback) => {
        qbo.getCustomer(idOf(target), callback);
      }),
    );
    expect(customer.Id).toBe(target?.Id);
    expect(customer.DisplayName).toBe(target?.DisplayName);
  });

  it('createCustomer stores it, announces it by webhook and lists it in CDC', async () => {
    const since = new Date(sandbox.clock.now() - 1000);
    const name = uniqueName('Created Co');
    const created = Customer.parse(
      await call((callback) => {
        qbo.createCustomer(
          { DisplayName: name, PrimaryEmailAddr: { Address: 'ap@created.example' }, BillAddr: { City: 'Boise' } },
          callback,
        );
      }),
    );
    expect(created).toMatchObject({ DisplayName: name, SyncToken: '0', Active: true });
    expect(created.BillAddr?.City).toBe('Boise');

    await sandbox.state.webhooks.pump();
    const notified = JSON.stringify(webhookBodies);
    expect(notified).toContain(`"id":"${created.Id}","operation":"Create"`);

    const changes = z
      .object({
        CDCResponse: z.array(
          z.object({ QueryResponse: z.array(z.object({ Customer: z.array(Customer).optional() })) }),
        ),
      })
      .parse(
        await call((callback) => {
          qbo.changeDataCapture(['Customer'], since, callback);
        }),
      );
    const changed = changes.CDCResponse[0]?.QueryResponse.flatMap((response) => response.Customer ?? []) ?? [];
    expect(changed.map((customer) => customer.Id)).toContain(created.Id);
  });

  it('a sparse updateCustomer changes only what it sends, and a stale SyncToken gets Fault 5010', async () => {
    const created = Customer.parse(
      await call((callback) => {
        qbo.createCustomer(
          { DisplayName: uniqueName('Sparse Co'), PrimaryEmailAddr: { Address: 'keep@sparse.example' } },
          callback,
        );
      }),
    );
    const updated = Customer.parse(
      await call((callback) => {
        qbo.updateCustomer(
          { Id: created.Id, SyncToken: created.SyncToken, sparse: true, CompanyName: 'Sparse Inc' },
          callback,
        );
      }),
    );
    expect(updated.SyncToken).toBe('1');
    expect(updated.CompanyName).toBe('Sparse Inc');
    expect(updated.PrimaryEmailAddr?.Address).toBe('keep@sparse.example');
    expect(updated.DisplayName).toBe(created.DisplayName);

    const stale = await faultOf(
      call((callback) => {
        qbo.updateCustomer({ Id: created.Id, SyncToken: '0', sparse: true, CompanyName: 'Lost Inc' }, callback);
      }),
    );
    expect(stale.Error[0]).toMatchObject({ Message: 'Stale Object Error', code: '5010' });
    expect(sandbox.state.requireCompany(sandbox.describe().realmId).read('Customer', created.Id)?.CompanyName).toBe(
      'Sparse Inc',
    );
  });

  it('findTerms lists the company payment terms', async () => {
    const terms = z
      .object({ QueryResponse: z.object({ Term: z.array(z.looseObject({ Id: z.string(), Name: z.string() })) }) })
      .parse(
        await call((callback) => {
          qbo.findTerms(callback);
        }),
      );
    const stored = sandbox.state.requireCompany(sandbox.describe().realmId).all('Term');
    expect(terms.QueryResponse.Term.map((term) => term.Id).sort()).toEqual(
      stored.map((term) => idOf(term.record)).sort(),
    );
  });

  it('findInvoices by customer and reportAgedReceivables agree on what the customer owes', async () => {
    const realmId = sandbox.describe().realmId;
    const ledger = sandbox.state.ledger(realmId);
    const customer = Customer.parse(
      await call((callback) => {
        qbo.createCustomer({ DisplayName: uniqueName('Owing Co') }, callback);
      }),
    );
    const day = (offset: number) => new Date(sandbox.clock.now() + offset * 86_400_000).toISOString().slice(0, 10);
    ledger.createInvoice({ customerId: customer.Id, amount: 100, txnDate: day(-50), dueDate: day(-40) });
    ledger.createInvoice({ customerId: customer.Id, amount: 25.5, txnDate: day(-1), dueDate: day(20) });

    const invoices = z
      .object({ QueryResponse: z.object({ Invoice: z.array(z.looseObject({ Balance: z.number() })) }) })
      .parse(
        await call((callback) => {
          qbo.findInvoices([{ field: 'CustomerRef', value: customer.Id, operator: '=' }], callback);
        }),
      );
    expect(invoices.QueryResponse.Invoice.map((invoice) => invoice.Balance).sort()).toEqual([100, 25.5].sort());

    const report = z
      .object({
        Header: z.looseObject({ ReportName: z.literal('AgedReceivables') }),
        Rows: z.object({
          Row: z.array(
            z.looseObject({
              ColData: z.array(z.looseObject({ value: z.string() })).optional(),
              Summary: z.object({ ColData: z.array(z.object({ value: z.string() })) }).optional(),
            }),
          ),
        }),
        Columns: z.object({ Column: z.array(z.object({ ColTitle: z.string() })) }),
      })
      .parse(
        await call((callback) => {
          qbo.reportAgedReceivables({ customer: customer.Id }, callback);
        }),
      );
    expect(report.Columns.Column.map((column) => column.ColTitle)).toEqual([
      '',
      'Current',
      '1 - 30',
      '31 - 60',
      '61 - 90',
      '91 and over',
      'Total',
    ]);
    const row = report.Rows.Row[0]?.ColData?.map((cell) => cell.value);
    expect(row).toEqual([customer.DisplayName, '25.50', '', '100.00', '', '', '125.50']);
    expect(report.Rows.Row[1]?.Summary?.ColData.at(-1)?.value).toBe('125.50');
  });

  it('batch answers each item on its own: a create, a query and a stale update', async () => {
    const existing = activeCustomers()[1]?.record;
    const name = uniqueName('Batch Co');
    const result = z
      .object({
        BatchItemResponse: z.array(
          z.object({
            bId: z.string(),
            Customer: Customer.optional(),
            QueryResponse: z.object({ Customer: z.array(Customer).optional() }).optional(),
            Fault: Fault.optional(),
          }),
        ),
      })
      .parse(
        await call((callback) => {
          qbo.batch(
            [
              { bId: 'b1', operation: 'create', Customer: { DisplayName: name } },
              { bId: 'b2', operation: 'query', Query: `select * from Customer where Id = '${idOf(existing)}'` },
              {
                bId: 'b3',
                operation: 'update',
                Customer: { Id: idOf(existing), SyncToken: '999', sparse: true, Notes: 'never saved' },
              },
            ],
            callback,
          );
        }),
      );
    const byId = new Map(result.BatchItemResponse.map((item) => [item.bId, item]));
    expect(byId.get('b1')?.Customer?.DisplayName).toBe(name);
    expect(byId.get('b2')?.QueryResponse?.Customer?.map((customer) => customer.Id)).toEqual([existing?.Id]);
    expect(byId.get('b3')?.Fault?.Error[0]?.code).toBe('5010');
  });

  it('a report the sandbox does not compute is a JSON Fault, not a misleading 610 or an HTML page', async () => {
    const fault = await faultOf(
      call((callback) => {
        qbo.reportProfitAndLoss({}, callback);
      }),
    );
    expect(fault).toMatchObject({
      type: 'ValidationFault',
      Error: [{ code: '500', Message: 'Unsupported Operation' }],
    });
  });
});
