import { z } from 'zod';
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
  SCOPES,
  UNVERIFIED_ENTITIES,
} from './quickbooks-documented';
import { checkQuery } from './quickbooks-query-check';
import type { RecordedQuickBooksRequest } from './recorded-quickbooks-request';

/**
 * Checks each request sent to QuickBooks (API and OAuth) against the endpoints, parameters,
 * headers and bodies FACTS.md documents, with its own path matching (not the QBO sandbox's route
 * table, decision 48). Intuit publishes no OpenAPI spec for QBO.
 */

export interface QuickBooksVerdict {
  /** `GET query (Customer)`, `POST oauth2 token (refresh_token)`, or the raw request when nothing matched. */
  operation: string;
  problems: string[];
  /** Uses of what FACTS does not document but the check allows (see quickbooks-documented). */
  allowances: string[];
}

interface Request {
  record: RecordedQuickBooksRequest;
  method: string;
  params: URLSearchParams;
  problems: string[];
  allowances: string[];
}

const JSON_TYPE = /^application\/json(\s*;.*)?$/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded(\s*;.*)?$/i;

/** FACTS §1.8 l.136: `Authorization: Bearer <access_token>`, `Accept: application/json` on every API call. */
function apiHeaders(request: Request): void {
  const { authorization, accept } = request.record;
  if (authorization?.scheme !== 'Bearer' || !authorization.credential)
    request.problems.push('Authorization must be Bearer <access token> (FACTS §1.8 l.136)');
  if (accept === undefined || !/^application\/json\b/i.test(accept))
    request.problems.push(`Accept must be application/json, not ${accept ?? 'absent'} (FACTS §1.8 l.136)`);
}

/** FACTS §1.4 l.70-73: token and revoke calls carry Basic client credentials and `Accept: application/json`. */
function oauthHeaders(request: Request): void {
  const { authorization, accept } = request.record;
  if (authorization?.scheme !== 'Basic' || !authorization.credential)
    request.problems.push('Authorization must be Basic base64(client_id:client_secret) (FACTS §1.4 l.71)');
  if (accept === undefined || !/^application\/json\b/i.test(accept))
    request.problems.push(`Accept must be application/json, not ${accept ?? 'absent'} (FACTS §1.4 l.73)`);
}

/** Query parameters: those required must be there once, and nothing undocumented may be. */
function parameters(request: Request, required: readonly string[], optional: readonly string[]): void {
  const allowed = new Set([...required, ...optional]);
  for (const name of new Set(request.params.keys())) {
    if (!allowed.has(name)) request.problems.push(`query parameter ${name} is not documented for this endpoint`);
    else if (request.params.getAll(name).length > 1) request.problems.push(`query parameter ${name} appears twice`);
  }
  for (const name of required)
    if (!request.params.get(name)) request.problems.push(`query parameter ${name} is missing`);
}

/** FACTS §7 l.489: `minorversion=75` on every API call; nothing above 75 is known to exist (l.488). */
function minorVersion(request: Request): void {
  const value = request.params.get('minorversion');
  if (value !== null && value !== MINOR_VERSION)
    request.problems.push(`minorversion must be ${MINOR_VERSION}, not ${value} (FACTS §7 l.481-489)`);
  const format = request.params.get('format');
  if (format !== null && format !== 'json') request.problems.push(`format must be json (FACTS §1.8 l.139)`);
}

function noBody(request: Request): void {
  if (request.record.body !== undefined) request.problems.push(`a ${request.method} carries no body`);
}

function jsonBody(request: Request, where: string): unknown {
  if (!JSON_TYPE.test(request.record.contentType ?? ''))
    request.problems.push(
      `Content-Type must be application/json, not ${request.record.contentType ?? 'absent'} (${where})`,
    );
  try {
    return JSON.parse(request.record.body ?? '');
  } catch {
    request.problems.push(`the body is not JSON (${where})`);
    return undefined;
  }
}

function addQueryVerdict(request: Request, statement: string, prefix = ''): string | undefined {
  const verdict = checkQuery(statement);
  request.problems.push(...verdict.problems.map((problem) => `${prefix}query: ${problem}`));
  request.allowances.push(...verdict.allowances);
  return verdict.entity;
}

/** FACTS §5 l.364: GET with the URL-encoded statement, or POST with it as an `application/text` body. */
function query(request: Request): string {
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
function cdc(request: Request): string {
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
function agedReceivables(request: Request): string {
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
function batch(request: Request): string {
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
function customerWrite(request: Request): string {
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
function readById(request: Request, segment: string, id: string, realmId: string): string {
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
function api(request: Request, realmId: string, rest: string[]): string {
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

const TOKEN_GRANTS: Readonly<Record<string, readonly string[]>> = {
  // FACTS §1.4 l.75-76.
  authorization_code: ['code', 'redirect_uri'],
  refresh_token: ['refresh_token'],
};

/** FACTS §1.4 l.69-76: POST, Basic, form-encoded `grant_type=…` with the grant's fields. */
function token(request: Request): string {
  oauthHeaders(request);
  parameters(request, [], []);
  if (!FORM_TYPE.test(request.record.contentType ?? ''))
    request.problems.push(`Content-Type must be application/x-www-form-urlencoded (FACTS §1.4 l.72)`);
  const form = new URLSearchParams(request.record.body ?? '');
  const grant = form.get('grant_type') ?? '';
  const fields = TOKEN_GRANTS[grant];
  if (fields === undefined) {
    request.problems.push(
      `grant_type ${JSON.stringify(grant)} is not authorization_code or refresh_token (FACTS §1.4 l.75-76)`,
    );
    return 'POST oauth2 token';
  }
  for (const field of fields) if (!form.get(field)) request.problems.push(`${grant}: ${field} is missing (FACTS §1.4)`);
  for (const field of form.keys())
    if (field !== 'grant_type' && !fields.includes(field))
      request.problems.push(`${grant}: ${field} is not a documented field (FACTS §1.4 l.75-76)`);
  return `POST oauth2 token (${grant})`;
}

/** FACTS §1.4 l.82: POST, Basic, JSON `{"token":"…"}` (node-quickbooks posts it form-encoded). */
function revoke(request: Request): string {
  oauthHeaders(request);
  parameters(request, [], []);
  const type = request.record.contentType ?? '';
  let value: unknown;
  if (FORM_TYPE.test(type)) value = new URLSearchParams(request.record.body ?? '').get('token');
  else value = z.looseObject({ token: z.unknown() }).safeParse(jsonBody(request, 'FACTS §1.4 l.82')).data?.token;
  if (typeof value !== 'string' || value.length === 0)
    request.problems.push('the body must carry the token to revoke (FACTS §1.4 l.82)');
  return 'POST oauth2 revoke';
}

/** FACTS §1.3 l.61: `GET authorize?client_id=…&response_type=code&scope=…&redirect_uri=…&state=…`. */
function authorize(request: Request): string {
  parameters(request, ['client_id', 'response_type', 'scope', 'redirect_uri', 'state'], []);
  if (request.params.get('response_type') !== null && request.params.get('response_type') !== 'code')
    request.problems.push('response_type must be code (FACTS §1.3 l.61)');
  // FACTS §1.2 l.57: space-separated scopes from Intuit's list.
  for (const scope of (request.params.get('scope') ?? '').split(' ').filter((s) => s.length > 0))
    if (!SCOPES.some((known) => known === scope))
      request.problems.push(`scope ${scope} is not one Intuit defines (FACTS §1.2)`);
  // FACTS §1.3 l.61: redirect URIs must be HTTPS. Loopback is the sandbox's own test setup.
  const redirect = request.params.get('redirect_uri') ?? '';
  if (!/^https:\/\//.test(redirect) && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(redirect))
    request.problems.push('redirect_uri must be HTTPS (FACTS §1.3 l.61)');
  return 'GET oauth2 authorize';
}

/**
 * FACTS §1.1 l.44-47: the OpenID discovery documents, JWKS and userinfo, read with GET; userinfo
 * with the user's access token (OpenID Connect's bearer rule; FACTS names only the URL).
 */
const OPENID_PATHS: Readonly<Record<string, string>> = {
  '/.well-known/openid_configuration': 'GET openid discovery',
  '/.well-known/openid_sandbox_configuration': 'GET openid discovery',
  '/op/v1/jwks': 'GET openid jwks',
  '/v1/openid_connect/userinfo': 'GET openid userinfo',
};

function openId(request: Request, operation: string): string {
  parameters(request, [], []);
  noBody(request);
  const { authorization } = request.record;
  if (operation === 'GET openid userinfo' && (authorization?.scheme !== 'Bearer' || !authorization.credential))
    request.problems.push('userinfo needs Authorization: Bearer <access token> (FACTS §1.1 l.47)');
  return operation;
}

/** One recorded request: the operation it is and what FACTS says is wrong with it. */
export function checkQuickBooksRequest(record: RecordedQuickBooksRequest): QuickBooksVerdict {
  const url = new URL(record.url);
  const request: Request = {
    record,
    method: record.method.toUpperCase(),
    params: url.searchParams,
    problems: [],
    allowances: [],
  };
  const segments = url.pathname
    .split('/')
    .filter((segment) => segment.length > 0)
    .map(decodeURIComponent);
  let operation: string;
  const [v3, company, realmId, ...rest] = segments;
  if (v3 === 'v3' && company === 'company' && realmId !== undefined && rest.length > 0)
    operation = api(request, realmId, rest);
  // FACTS §1.1 l.41-43: the paths of Intuit's authorize, token and revoke URLs.
  else if (url.pathname === '/oauth2/v1/tokens/bearer' && request.method === 'POST') operation = token(request);
  else if (url.pathname === '/v2/oauth2/tokens/revoke' && request.method === 'POST') operation = revoke(request);
  else if (url.pathname === '/connect/oauth2' && request.method === 'GET') operation = authorize(request);
  else if (OPENID_PATHS[url.pathname] !== undefined && request.method === 'GET')
    operation = openId(request, OPENID_PATHS[url.pathname] ?? '');
  else {
    operation = `${request.method} ${url.pathname}`;
    request.problems.push(`${operation} is not an endpoint FACTS documents`);
  }
  return { operation, problems: request.problems, allowances: [...new Set(request.allowances)] };
}

export interface QuickBooksConformanceReport {
  requests: number;
  /** Requests per operation. */
  operations: Record<string, number>;
  /** Requests relying on each allowance (what FACTS does not document), by reason. */
  allowances: Record<string, number>;
  invalidRequests: number;
  violations: QuickBooksVerdict[];
}

export function quickbooksConformanceReport(
  records: readonly RecordedQuickBooksRequest[],
): QuickBooksConformanceReport {
  const operations: Record<string, number> = {};
  const allowances: Record<string, number> = {};
  const violations: QuickBooksVerdict[] = [];
  for (const record of records) {
    const verdict = checkQuickBooksRequest(record);
    operations[verdict.operation] = (operations[verdict.operation] ?? 0) + 1;
    for (const allowance of verdict.allowances) allowances[allowance] = (allowances[allowance] ?? 0) + 1;
    if (verdict.problems.length > 0) violations.push(verdict);
  }
  return { requests: records.length, operations, allowances, invalidRequests: violations.length, violations };
}

/** The report as lines for a person: figures, operations with counts, allowances, violations. */
export function formatQuickBooksReport(report: QuickBooksConformanceReport): string {
  const counted = (entries: Record<string, number>) =>
    Object.entries(entries)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `${String(count).padStart(6)}  ${name}`);
  return [
    `QuickBooks requests checked against FACTS.md: ${report.requests}`,
    ...counted(report.operations),
    'relying on what FACTS does not document (allowed, listed in quickbooks-documented.ts):',
    ...counted(report.allowances),
    `invalid QuickBooks requests: ${report.invalidRequests}`,
    ...report.violations.slice(0, 20).map((violation) => `  ${violation.operation}: ${violation.problems.join('; ')}`),
  ].join('\n');
}
