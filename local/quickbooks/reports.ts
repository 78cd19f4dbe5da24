import type { JsonObject, JsonValue } from './json';
import { numberField, refValue, stringField } from './json';
import type { Ledger } from './ledger';
import { QboValidationError } from './ledger-inputs';
import { DAY_MS, formatLocalDate } from './time';

const BUCKETS = ['Current', '1 - 30', '31 - 60', '61 - 90', '91 and over'] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const amount = (value: number) => value.toFixed(2);

function bucketOf(daysPastDue: number): number {
  if (daysPastDue <= 0) return 0;
  if (daysPastDue <= 30) return 1;
  if (daysPastDue <= 60) return 2;
  if (daysPastDue <= 90) return 3;
  return 4;
}

/**
 * `GET /reports/AgedReceivables` (FACTS §4.4, shape of `report-aged-receivables.json`): one row
 * per customer with open invoices, positional ColData of Current, 1-30, 31-60, 61-90, 91+ and
 * Total, and a GrandTotal section. Empty buckets are "" in customer rows and "0.00" in the total,
 * as recorded. Options: `report_date` (default today in the company's calendar), `customer`
 * (comma-separated ids), `aging_method` (`Report_Date` or `Current`: age as of today). Unapplied
 * payments and sub-customer grouping are not modelled.
 */
export function agedReceivables(ledger: Ledger, query: URLSearchParams): JsonObject {
  const company = ledger.company;
  const today = formatLocalDate(company.now(), company.utcOffsetMinutes);
  const reportDate = query.get('report_date') ?? today;
  if (!DATE.test(reportDate)) {
    throw new QboValidationError(
      '2010',
      'Request has invalid or unsupported property',
      `Invalid report_date ${reportDate}: expected YYYY-MM-DD`,
      'report_date',
    );
  }
  const asOf = query.get('aging_method') === 'Current' ? today : reportDate;
  const customers = query
    .get('customer')
    ?.split(',')
    .filter((id) => id.length > 0);
  const totals = new Map<string, number[]>();
  for (const stored of company.all('Invoice')) {
    const invoice = stored.record;
    const customerId = refValue(invoice, 'CustomerRef');
    const balance = numberField(invoice, 'Balance') ?? 0;
    const txnDate = stringField(invoice, 'TxnDate') ?? '';
    if (stored.deleted || customerId === undefined || balance <= 0 || txnDate > reportDate) continue;
    if (customers && !customers.includes(customerId)) continue;
    const due = stringField(invoice, 'DueDate') ?? txnDate;
    const days = Math.round((Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${due}T00:00:00Z`)) / DAY_MS);
    const row = totals.get(customerId) ?? BUCKETS.map(() => 0);
    row[bucketOf(days)] = (row[bucketOf(days)] ?? 0) + balance;
    totals.set(customerId, row);
  }
  const named = [...totals.entries()]
    .map(([id, buckets]) => ({
      id,
      name: stringField(company.read('Customer', id) ?? {}, 'DisplayName') ?? '',
      buckets,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const grand = BUCKETS.map((_, index) => named.reduce((sum, row) => sum + (row.buckets[index] ?? 0), 0));
  const rows: JsonValue[] = named.map((row) => ({
    ColData: [
      { id: row.id, value: row.name },
      ...row.buckets.map((value) => ({ value: value === 0 ? '' : amount(value) })),
      { value: amount(row.buckets.reduce((sum, value) => sum + value, 0)) },
    ],
  }));
  const header: JsonObject = {
    ...(customers ? { Customer: customers.join(',') } : {}),
    ReportName: 'AgedReceivables',
    Option: [
      { Name: 'report_date', Value: reportDate },
      { Name: 'NoReportData', Value: String(named.length === 0) },
    ],
    Currency: 'USD',
    Time: company.metaTime(),
  };
  return {
    Header: header,
    Rows:
      named.length === 0
        ? {}
        : {
            Row: [
              ...rows,
              {
                group: 'GrandTotal',
                type: 'Section',
                Summary: {
                  ColData: [
                    { value: 'TOTAL' },
                    ...grand.map((value) => ({ value: amount(value) })),
                    { value: amount(grand.reduce((sum, value) => sum + value, 0)) },
                  ],
                },
              },
            ],
          },
    Columns: {
      Column: [
        { ColType: 'Customer', ColTitle: '' },
        ...BUCKETS.map((title) => ({ ColType: 'Money', ColTitle: title })),
        { ColType: 'Money', ColTitle: 'Total' },
      ],
    },
  };
}
