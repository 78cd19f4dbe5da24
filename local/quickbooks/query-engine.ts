import type { Company } from './company';
import { isJsonObject, type JsonObject, type JsonValue, pathValue, stringField } from './json';
import type { Condition, Literal, Query } from './query-parser';
import { parseQboTime } from './time';

export class QueryValidationError extends Error {}

/** Properties QBO lets a query filter on, per entity (API reference "Filterable"). */
const FILTERABLE: Record<string, readonly string[]> = {
  Customer: [
    'Id',
    'DisplayName',
    'GivenName',
    'MiddleName',
    'FamilyName',
    'CompanyName',
    'FullyQualifiedName',
    'PrimaryEmailAddr',
    'Active',
    'Balance',
    'Job',
    'ParentRef',
    'MetaData.CreateTime',
    'MetaData.LastUpdatedTime',
  ],
  Invoice: [
    'Id',
    'CustomerRef',
    'DocNumber',
    'TxnDate',
    'DueDate',
    'Balance',
    'TotalAmt',
    'MetaData.CreateTime',
    'MetaData.LastUpdatedTime',
  ],
  Payment: ['Id', 'CustomerRef', 'TxnDate', 'TotalAmt', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'],
  Term: ['Id', 'Name', 'Active', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'],
};

/** Name-list entities that a plain SELECT returns active rows of only (FACTS §5). */
const ACTIVE_ONLY_BY_DEFAULT = new Set(['Customer', 'Term']);

export const MAX_RESULTS_CAP = 1000;
/**
 * The default page size when MAXRESULTS is omitted: commonly cited as 100, the Intuit figure is
 * unverified; the smaller figure is the safe one (a client that forgets to page finds out here).
 */
export const DEFAULT_MAX_RESULTS = 100;

export type QueryResult = { QueryResponse: JsonObject; time: string };

export function runQuery(company: Company, query: Query): QueryResult {
  const entity = canonicalEntity(company, query.entity);
  checkFilterable(entity, query);
  const constrainsActive = query.where.some((condition) => condition.field.toLowerCase() === 'active');
  let rows = company
    .all(entity)
    .filter((stored) => !stored.deleted)
    .map((stored) => stored.record)
    .filter((record) => query.where.every((condition) => matches(record, condition)));
  if (ACTIVE_ONLY_BY_DEFAULT.has(entity) && !constrainsActive) rows = rows.filter((record) => record.Active !== false);

  if (query.count) return { QueryResponse: { totalCount: rows.length }, time: company.responseTime() };

  const maxResults = query.maxResults ?? DEFAULT_MAX_RESULTS;
  if (maxResults > MAX_RESULTS_CAP) {
    // Whether QBO caps or rejects is unverified; rejecting is the stricter choice.
    throw new QueryValidationError(`value ${maxResults} is too large. Max allowed value is: ${MAX_RESULTS_CAP}`);
  }
  const startPosition = Math.max(1, query.startPosition ?? 1);
  const page = sortRows(entity, rows, query).slice(startPosition - 1, startPosition - 1 + maxResults);
  if (page.length === 0) return { QueryResponse: {}, time: company.responseTime() };
  return { QueryResponse: { [entity]: page, startPosition, maxResults: page.length }, time: company.responseTime() };
}

export function canonicalEntity(company: Company, name: string): string {
  const known = [...Object.keys(FILTERABLE), ...company.entityTypes()];
  const found = known.find((entity) => entity.toLowerCase() === name.toLowerCase());
  if (found === undefined) throw new QueryValidationError(`Invalid context declaration : ${name}`);
  return found;
}

function checkFilterable(entity: string, query: Query): void {
  const filterable = FILTERABLE[entity];
  if (!filterable) return;
  for (const condition of query.where) {
    if (!filterable.some((field) => field.toLowerCase() === condition.field.toLowerCase())) {
      throw new QueryValidationError(`property '${condition.field}' is not queryable`);
    }
  }
}

/** The comparable part of a value: refs compare by `value`, emails by `Address`, phones by number. */
function scalar(value: JsonValue | undefined): string | number | boolean | undefined {
  if (value === undefined || value === null || Array.isArray(value)) return undefined;
  if (isJsonObject(value)) {
    for (const key of ['value', 'Address', 'FreeFormNumber', 'URI']) {
      const inner = stringField(value, key);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  return value;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T/;

function compareValues(actual: string | number | boolean, literal: Literal): number | undefined {
  if (typeof actual === 'boolean') {
    const wanted = typeof literal === 'boolean' ? literal : String(literal).toLowerCase() === 'true';
    return actual === wanted ? 0 : 1;
  }
  if (typeof actual === 'number') {
    const wanted = typeof literal === 'number' ? literal : Number(literal);
    return Number.isNaN(wanted) ? undefined : Math.sign(actual - wanted);
  }
  if (DATE_TIME.test(actual)) {
    const left = parseQboTime(actual);
    const right = parseQboTime(String(literal));
    return Number.isNaN(right) ? undefined : Math.sign(left - right);
  }
  // Name comparisons in QBO are case-insensitive (DisplayName uniqueness is).
  const left = actual.toLowerCase();
  const right = String(literal).toLowerCase();
  return left === right ? 0 : left < right ? -1 : 1;
}

function likePattern(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*');
  return new RegExp(`^${escaped}$`, 'is');
}

function matches(record: JsonObject, condition: Condition): boolean {
  const actual = scalar(pathValue(record, condition.field));
  if (actual === undefined) return false;
  if (condition.kind === 'in') return condition.values.some((value) => compareValues(actual, value) === 0);
  if (condition.op === 'LIKE') return likePattern(String(condition.value)).test(String(actual));
  const order = compareValues(actual, condition.value);
  if (order === undefined) return false;
  switch (condition.op) {
    case '=':
      return order === 0;
    case '<':
      return order < 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
  }
}

function sortKey(value: JsonValue | undefined): string | number {
  const plain = scalar(value);
  if (plain === undefined) return '';
  if (typeof plain === 'number') return plain;
  if (typeof plain === 'boolean') return plain ? 1 : 0;
  if (DATE_TIME.test(plain)) return parseQboTime(plain);
  if (/^\d+$/.test(plain)) return Number(plain);
  return plain.toLowerCase();
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Customers come back by FullyQualifiedName unless ordered (as in the recorded list); others by Id. */
function sortRows(entity: string, rows: JsonObject[], query: Query): JsonObject[] {
  const order =
    query.orderBy.length > 0
      ? query.orderBy
      : [{ field: entity === 'Customer' ? 'FullyQualifiedName' : 'Id', descending: false }];
  return [...rows].sort((a, b) => {
    for (const { field, descending } of order) {
      const result = compareKeys(sortKey(pathValue(a, field)), sortKey(pathValue(b, field)));
      if (result !== 0) return descending ? -result : result;
    }
    return compareKeys(sortKey(a.Id), sortKey(b.Id));
  });
}
