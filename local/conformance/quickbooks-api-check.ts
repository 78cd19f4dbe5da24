import * as z from 'zod';
import {
  AGED_RECEIVABLES_PARAMETERS,
  AGING_METHODS,
  BATCH_OPERATIONS,
  CDC_LOOKBACK_DAYS,
  CDC_UNSUPPORTED,
  DATE,
  DATE_TIME,
  DOCUMENTED_ENTITIES,
  entityOfPath,
  MAX_BATCH_ITEMS,
  MINOR_VERSION,
  NAME_FIELDS,
  OPTIONAL_API_PARAMETERS,
  UNVERIFIED_ENTITIES,
} from './quickbooks-documented';
import { type CheckedRequest, jsonBody, noBody, parameters } from './quickbooks-checked-request';
import { checkQuery } from './quickbooks-query-check';

/** Requests under `/v3/company/{realmId}/`, checked against what FACTS.md documents (decision 54). */

/** FACTS §1.8 l.136: `Authorization: Bearer <access_token>`, `Accept: application/json` on every API call. */
function apiHeaders(request: CheckedRequest): void {
  const { authorization, accept } = request.record;
  if (authorization?.scheme !== 'Bearer' || !authorization.credential)
    request.problems.push('Authorization must be Bearer <access token> (FACTS §1.8 l.136)');
  if (accept === undefined || !/^application\/json\b/i.test(accept))
    request.problems.push(`Accept must be application/json, not ${accept ?? 'absent'} (FACTS §1.8 l.136)`);
}

/** FACTS §7 l.489: `minorversion=75` on every API call; nothing above 75 is known to exist (l.488). */
function minorVersion(request: CheckedRequest): void {
  const value = request.params.get('minorversion');
  if (value !== null && value !== MINOR_VERSION)
    request.problems.push(`minorversion must be ${MINOR_VERSION}, not ${value} (FACTS §7 l.481-489)`);
  const format = request.params.get('format');
  if (format !== null && format !== 'json') request.problems.push(`format must be json (FACTS §1.8 l.139)`);
}

function addQueryVerdict(request: CheckedRequest, statement: string, prefix = ''): string | undefined {
  const verdict = checkQuery(statement);
  request.problems.push(...verdict.problems.map((problem) => `${prefix}query: ${problem}`));
  request.allowances.push(...verdict.allowances);
  return verdict.entity;
}

/** FACTS §5 l.364: GET with the URL-encoded statement, or POST with it as an `application/text` body. */
function query(request: CheckedRequest): string {
  if (request.method === 'GET') {
    parameters(request, ['query', 'minorversion'], OPTIONAL_API_PARAMETERS);
    noBody(request);
    return `GET query (${addQueryVerdict(request, request.params.get('query') ?? '') ?? '?'})`;
  }
  parameters(request, ['minorversion'], OPTIONAL_API_PARAMETERS);
  if (!/^application\/text\b/i.test(request.record.contentType ?? ''))
    request.problems.push(
      `a POSTed query's Content-Type must be application/text, not ${request.record.contentType ?? 'absent'} (FACTS §5 l.364)`,
    );
  return `POST query (${addQueryVerdict(request, request.record.body ?? '') ?? '?'})`;
}

/** FACTS §3 l.247-259: `entities` (comma-separated, CDC-supported) and `changedSince` (≤ 30 days back). */
function cdc(request: CheckedRequest): string {
  parameters(request, ['entities', 'changedSince', 'minorversion'], OPTIONAL_API_PARAMETERS);
  noBody(request);
  const entities = (request.params.get('entities') ?? '').split(',');
  for (const entity of entities) {
    if (CDC_UNSUPPORTED.some((unsupported) => unsupported.toLowerCase() === entity.toLowerCase()))
      request.problems.push(`CDC does not support ${entity} (FACTS §3 l.259)`);
    // FACTS §3 l.251: lower-case names worked in a real recording, so the case is not checked here.
    else if (entityOfPath(entity.toLowerCase()) === undefined)
      request.problems.push(`entities: ${JSON.stringify(entity)} is not an entity FACTS documents (§3 l.247)`);
    const unverified = Object.entries(UNVERIFIED_ENTITIES).find(
      ([name]) => name.toLowerCase() === entity.toLowerCase(),
    );
    if (unverified) request.allowances.push(unverified[1]);
  }
  const since = request.params.get('changedSince') ?? '';
  if (!DATE.test(since) && !DATE_TIME.test(since))
    request.problems.push(
      `changedSince ${JSON.stringify(since)} is not a date or a date-time with an offset (FACTS §3 l.249)`,
    );
  else {
    const back = Date.parse(request.record.at) - Date.parse(since);
    if (back > CDC_LOOKBACK_DAYS * 86_400_000)
      request.problems.push(`changedSince is more than ${CDC_LOOKBACK_DAYS} days back (FACTS §3 l.252-254)`);
  }
  return 'GET cdc';
}

/** FACTS §4.4 l.353: `reports/AgedReceivables?customer=…[&report_date=YYYY-MM-DD&aging_method=Report_Date|Current]`. */
function agedReceivables(request: CheckedRequest): string {
  parameters(request, ['minorversion'], [...AGED_RECEIVABLES_PARAMETERS, ...OPTIONAL_API_PARAMETERS]);
  noBody(request);
  const reportDate = request.params.get('report_date');
  if (reportDate !== null && !DATE.test(reportDate))
    request.problems.push(`report_date must be YYYY-MM-DD (FACTS §4.4 l.353)`);
  const method = request.params.get('aging_method');
  if (method !== null && !AGING_METHODS.some((allowed) => allowed === method))
    request.problems.push(`aging_method must be Report_Date or Current (FACTS §4.4 l.353)`);
  return 'GET reports/AgedReceivables';
}

const BatchItem = z.looseObject({
  bId: z.string().min(1),
  operation: z.string().optional(),
  Query: z.string().optional(),
});
const BatchBody = z.object({ BatchItemRequest: z.array(z.unknown()).min(1) });

/** FACTS §5 l.393-402: `{"BatchItemRequest":[{bId, operation, <Entity>} | {bId, Query}]}`, at most 30 items. */
function batch(request: CheckedRequest): string {
  parameters(request, ['minorversion'], OPTIONAL_API_PARAMETERS);
  const body = BatchBody.safeParse(jsonBody(request, 'FACTS §5 l.394'));
  if (!body.success) {
    request.problems.push('the body must be {"BatchItemRequest":[…]} with at least one item (FACTS §5 l.394)');
    return 'POST batch';
  }
  const items = body.data.BatchItemRequest;
  if (items.length > MAX_BATCH_ITEMS)
    request.problems.push(`${items.length} batch items; at most ${MAX_BATCH_ITEMS} (FACTS §5 l.399)`);
  const ids = new Set<string>();
  items.forEach((raw, index) => {
    const item = BatchItem.safeParse(raw);
    if (!item.success) {
      request.problems.push(`item ${index}: needs a bId (FACTS §5 l.394)`);
      return;
    }
    const { bId, operation, Query } = item.data;
    if (ids.has(bId))
      request.problems.push(`item ${index}: bId ${bId} is not unique (FACTS §5 l.395: one response per bId)`);
    ids.add(bId);
    const entities = Object.keys(item.data).filter(
      (key) => !['bId', 'operation', 'Query', 'optionsData'].includes(key),
    );
    if (Query !== undefined) {
      if (operation !== undefined || entities.length > 0)
        request.problems.push(`item ${bId}: a Query item carries nothing else (FACTS §5 l.394)`);
      addQueryVerdict(request, Query, `item ${bId} `);
      return;
    }
    if (!BATCH_OPERATIONS.some((allowed) => allowed === operation))
      request.problems.push(`item ${bId}: operation must be create, update or delete (FACTS §5 l.394)`);
    const documented = entities.filter((key) => DOCUMENTED_ENTITIES.some((entity) => entity === key));
    if (entities.length !== 1 || documented.length !== 1)
      request.problems.push(`item ${bId}: needs exactly one documented entity object (FACTS §5 l.394)`);
  });
  return `POST batch (${items.length} items)`;
}

const CustomerWrite = z.looseObject({
  Id: z.string().optional(),
  SyncToken: z.string().optional(),
  sparse: z.boolean().optional(),
});

/** Customer create and (sparse) update: FACTS §4.1 l.308-316, §4.3 l.338. */
function customerWrite(request: CheckedRequest): string {
  parameters(request, ['minorversion'], OPTIONAL_API_PARAMETERS);
  const raw = jsonBody(request, 'FACTS §4.1');
  const body = CustomerWrite.safeParse(raw);
  if (!body.success) {
    request.problems.push('the body must be a Customer object (FACTS §4.1)');
    return 'POST customer';
  }
  const customer = body.data;
  for (const name of NAME_FIELDS) {
    const value = customer[name];
    if (typeof value === 'string' && /[:\t\n]/.test(value))
      request.problems.push(`${name} has a colon, tab or newline (FACTS §4.1 l.309)`);
  }
  const email = z.looseObject({ Address: z.string() }).safeParse(customer.PrimaryEmailAddr);
  if (email.success && !(email.data.Address.includes('@') && email.data.Address.includes('.')))
    request.problems.push('PrimaryEmailAddr.Address must contain @ and . (FACTS §4.1 l.312)');
  if (customer.Id !== undefined || customer.sparse !== undefined) {
    // An update names the record and the version it changes: a stale SyncToken is Fault 5010 (FACTS §4.1 l.287).
    if (customer.Id === undefined || customer.SyncToken === undefined)
      request.problems.push('an update needs Id and SyncToken (FACTS §4.1 l.287)');
    return customer.sparse === true ? 'POST customer (sparse update)' : 'POST customer (full update)';
  }
  const named = ['DisplayName', 'Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix'].some(
    (name) => typeof customer[name] === 'string' && customer[name] !== '',
  );
  if (!named) request.problems.push('a create needs DisplayName or a name part (FACTS §4.1 l.311)');
  return 'POST customer (create)';
}

/** `GET /v3/company/{realmId}/{entity}/{id}` (FACTS §4.2 l.334, `customer-read.json`). */
function readById(request: CheckedRequest, segment: string, id: string, realmId: string): string {
  parameters(request, ['minorversion'], OPTIONAL_API_PARAMETERS);
  noBody(request);
  const entity = entityOfPath(segment);
  if (entity === undefined) {
    request.problems.push(
      `${segment} is not an entity FACTS documents (entity paths are lower-case, FACTS §4.2 l.334)`,
    );
    return `GET ${segment}/{id}`;
  }
  const unverified = UNVERIFIED_ENTITIES[entity];
  if (unverified !== undefined) request.allowances.push(unverified);
  if (entity === 'CompanyInfo' ? id !== realmId : !/^\d+$/.test(id))
    request.problems.push(`${segment}/${id}: the id is not ${entity === 'CompanyInfo' ? 'the realm id' : 'a QBO Id'}`);
  return `GET ${segment}/{id}`;
}

/** Everything under `/v3/company/{realmId}/` (FACTS §1.8 l.135). */
export function checkApiRequest(request: CheckedRequest, realmId: string, rest: string[]): string {
  apiHeaders(request);
  minorVersion(request);
  // FACTS §2.1 l.150: realm ids are numbers ("1185883450").
  if (!/^\d+$/.test(realmId)) request.problems.push(`realm id ${realmId} is not a number (FACTS §2.1 l.150)`);
  const [first = '', second] = rest;
  const { method } = request;
  if (rest.length === 1 && first === 'query' && (method === 'GET' || method === 'POST')) return query(request);
  if (rest.length === 1 && first === 'cdc' && method === 'GET') return cdc(request);
  if (rest.length === 1 && first === 'batch' && method === 'POST') return batch(request);
  if (rest.length === 1 && first === 'customer' && method === 'POST') return customerWrite(request);
  if (rest.length === 2 && first === 'reports' && second === 'AgedReceivables' && method === 'GET')
    return agedReceivables(request);
  if (rest.length === 2 && method === 'GET' && first !== 'reports' && second !== undefined)
    return readById(request, first, second, realmId);
  request.problems.push(`${method} /v3/company/{realmId}/${rest.join('/')} is not an endpoint FACTS documents`);
  return `${method} ${rest.join('/')}`;
}
