/**
 * What Intuit documents about QBO requests, as tables for the independent QBO request check
 * (decision 54). Written from FACTS.md and the recorded payloads beside it (cited as `FACTS §n`
 * with the line, or by file name), never from the QBO sandbox's own parser or route table, so the
 * two cannot share a blind spot. Intuit publishes no OpenAPI spec for QBO. Where FACTS says
 * "unverified" the stricter side is taken, and the comment says so.
 */

/** FACTS §7 l.489 "Send minorversion=75 explicitly"; whether any version above 75 exists is unverified (l.488): only 75 passes. */
export const MINOR_VERSION = '75';

/** FACTS §5 l.381: "MAXRESULTS max is 1000". */
export const MAX_RESULTS = 1000;

/**
 * FACTS §5 l.399-402: the API reference allows 30 items per BatchItemRequest (the older guide said
 * 10). The brief and the API reference give 30; it is the hard limit here.
 */
export const MAX_BATCH_ITEMS = 30;

/** FACTS §5 l.394: the operations a batch item may carry besides a `Query`. */
export const BATCH_OPERATIONS = ['create', 'update', 'delete'] as const;

/** FACTS §3 l.252-254: changes "within the last 30 days"; never rely on more. */
export const CDC_LOOKBACK_DAYS = 30;

/**
 * Entity names as QBO spells them (FACTS §5 l.372: case sensitive). Each is named in FACTS:
 * Customer (§4), Term (§4.2), Invoice (§4.4), Estimate (§3 l.251, `cdc-response.json`), CreditMemo
 * (§4.3 l.340), Vendor and Employee (§4.1 l.288), Account and SalesReceipt (§2.4 l.221-223).
 */
export const DOCUMENTED_ENTITIES = [
  'Customer',
  'Term',
  'Invoice',
  'Estimate',
  'CreditMemo',
  'Vendor',
  'Employee',
  'Account',
  'SalesReceipt',
] as const;

/**
 * Entities FACTS does not name but the connector uses: each is an allowance the report prints, not
 * a silent pass. Payment moves a customer's balance as Invoice does; FACTS never names it (unverified).
 */
export const UNVERIFIED_ENTITIES: Readonly<Record<string, string>> = {
  Payment: 'Payment is not named in FACTS (unverified); read like Invoice, the other balance-moving entity',
  CompanyInfo: 'FACTS §7 l.491 names CompanyAddr but not the CompanyInfo entity or its read (unverified)',
};

/** FACTS §3 l.259: entities CDC does not support. */
export const CDC_UNSUPPORTED = ['JournalCode', 'TaxAgency', 'TimeActivity', 'TaxCode', 'TaxRate'] as const;

/** What a filter value must look like. */
export type FieldType = 'id' | 'string' | 'number' | 'boolean' | 'date' | 'datetime' | 'reference';

export interface FilterableField {
  type: FieldType;
  /** Set when FACTS does not document the field as filterable: the use is an allowance the report prints. */
  unverified?: string;
}

/** `MetaData.LastUpdatedTime`: filterable on Customer (FACTS §4.1 l.304); FACTS §3 l.257 names it as CDC's query fallback for any entity. */
const LAST_UPDATED: FilterableField = { type: 'datetime' };

/** Filterable fields per entity, with their value types. A field not listed here is refused. */
export const FILTERABLE: Readonly<Record<string, Readonly<Record<string, FilterableField>>>> = {
  Customer: {
    Id: { type: 'id' }, // FACTS §4.1 l.286 "filterable, sortable"; §5 l.375 `Id IN ('5','6')`
    DisplayName: { type: 'string' }, // FACTS §4.1 l.288 "Filterable"
    CompanyName: { type: 'string' }, // FACTS §4.1 l.290 "filterable"
    Balance: { type: 'number' }, // FACTS §4.1 l.299 "Filterable"
    Active: { type: 'boolean' }, // FACTS §4.1 l.301 "filterable"; §5 l.376 `Active IN ( true, false )`
    'MetaData.LastUpdatedTime': LAST_UPDATED,
    ParentRef: {
      type: 'reference',
      unverified: 'ParentRef is not listed as filterable in FACTS §4.1 (unverified at Intuit)',
    },
  },
  Invoice: {
    Id: { type: 'id', unverified: 'Id is documented as filterable on Customer only (FACTS §4.1 l.286)' },
    Balance: { type: 'number' }, // FACTS §4.4 l.352: the XSD says "Filterable: ALL"
    CustomerRef: {
      type: 'reference',
      unverified: 'CustomerRef filtering is "unverified here, though widely used" (FACTS §4.4 l.352)',
    },
    DueDate: {
      type: 'date',
      unverified: 'DueDate filtering is "unverified here, though widely used" (FACTS §4.4 l.352)',
    },
    'MetaData.LastUpdatedTime': LAST_UPDATED,
  },
  Payment: {
    Id: { type: 'id', unverified: 'Id is documented as filterable on Customer only (FACTS §4.1 l.286)' },
    'MetaData.LastUpdatedTime': LAST_UPDATED,
  },
  Term: {
    Active: {
      type: 'boolean',
      unverified: 'Term.Active is a field (FACTS §4.2 l.325) but FACTS does not say it is filterable',
    },
    'MetaData.LastUpdatedTime': LAST_UPDATED,
  },
};

/** FACTS §5 l.373: the comparison operators, `LIKE` with `%` as its only wildcard. */
export const OPERATORS = ['IN', '=', '<', '>', '<=', '>=', 'LIKE'] as const;

/**
 * Entities readable by id at `/v3/company/{realmId}/{entity lower-case}/{id}` (FACTS §4.2 l.334:
 * "the standard `/{resource}/{id}` pattern"; `customer-read.json` is `GET …/customer/5`). The
 * pattern applies to every entity FACTS names; those it does not name are allowances
 * (UNVERIFIED_ENTITIES), `companyinfo/{realmId}` among them.
 */
export function entityOfPath(segment: string): string | undefined {
  return [...DOCUMENTED_ENTITIES, ...Object.keys(UNVERIFIED_ENTITIES)].find(
    (entity) => entity.toLowerCase() === segment,
  );
}

/** FACTS §4.4 l.353 (and `report-aged-receivables.json`'s `date_macro`): the AgedReceivables parameters. */
export const AGED_RECEIVABLES_PARAMETERS = ['customer', 'report_date', 'aging_method', 'date_macro'] as const;
export const AGING_METHODS = ['Report_Date', 'Current'] as const;

/** FACTS §1.8 l.139: node-quickbooks adds `format=json`; `requestid` makes writes idempotent. */
export const OPTIONAL_API_PARAMETERS = ['format', 'requestid'] as const;

/**
 * FACTS §4.1 l.309: no colon, tab or newline in these on a write.
 */
export const NAME_FIELDS = [
  'DisplayName',
  'Title',
  'GivenName',
  'MiddleName',
  'FamilyName',
  'Suffix',
  'PrintOnCheckName',
] as const;

/** FACTS §1.2 l.53-55: the scopes Intuit defines. */
export const SCOPES = [
  'com.intuit.quickbooks.accounting',
  'com.intuit.quickbooks.payment',
  'openid',
  'profile',
  'email',
  'phone',
  'address',
] as const;

/**
 * A date (`YYYY-MM-DD`, FACTS §3 l.249 "ISO (YYYY-MM-DD)", §4.4 l.349 `'2026-07-20'`) or a date-time
 * with an offset (FACTS §3 l.249 `2015-12-23T09:00-07:00`, `2012-07-20T22:25:51-07:00`; §4.1 l.304
 * MetaData times). A date-time without an offset is refused: QBO times carry the company's local
 * offset (FACTS §3 l.273), so one without is ambiguous (the stricter side).
 */
export const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
