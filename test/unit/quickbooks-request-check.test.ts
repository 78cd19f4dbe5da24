import { quickbooksConformanceReport } from '../../local/conformance/quickbooks-report';
import { checkQuickBooksRequest } from '../../local/conformance/quickbooks-request-check';
import type { RecordedQuickBooksRequest } from '../../local/conformance/recorded-quickbooks-request';

const REALM = '9341455130166501';
const API = `http://127.0.0.1:1/v3/company/${REALM}`;
const AT = '2026-07-20T12:00:00.000Z';

const get = (url: string, overrides: Partial<RecordedQuickBooksRequest> = {}): RecordedQuickBooksRequest => ({
  method: 'GET',
  url,
  accept: 'application/json',
  authorization: { scheme: 'Bearer', credential: true },
  at: AT,
  status: 200,
  ...overrides,
});
const post = (url: string, contentType: string, body: string, overrides: Partial<RecordedQuickBooksRequest> = {}) =>
  get(url, { method: 'POST', contentType, body, ...overrides });
const oauth = (path: string, contentType: string, body: string, overrides: Partial<RecordedQuickBooksRequest> = {}) =>
  post(`http://127.0.0.1:1${path}`, contentType, body, {
    authorization: { scheme: 'Basic', credential: true },
    ...overrides,
  });
const form = 'application/x-www-form-urlencoded';
const queryUrl = (statement: string, extra = '') =>
  `${API}/query?query=${encodeURIComponent(statement)}&minorversion=75${extra}`;
const batchBody = (items: unknown[]) => JSON.stringify({ BatchItemRequest: items });
/** The batch request of FACTS §5 l.394, as `batch-response.json`'s answers imply: a create, a delete, a query. */
const BATCH_ITEMS = [
  { bId: 'b1', operation: 'create', Customer: { DisplayName: 'Acme' } },
  { bId: 'b2', operation: 'delete', Customer: { Id: '999', SyncToken: '0' } },
  { bId: 'b3', Query: 'select * from Customer MAXRESULTS 2' },
];

function problemsOf(record: RecordedQuickBooksRequest): string[] {
  return checkQuickBooksRequest(record).problems;
}

/** Every QBO request checked against FACTS.md's endpoints, parameters and headers, not the sandbox's routes. */
describe('the independent QBO request check', () => {
  it.each<[string, RecordedQuickBooksRequest]>([
    ['GET query (Customer)', get(queryUrl('SELECT * FROM Customer MAXRESULTS 1000 STARTPOSITION 1'))],
    [
      'POST query (Customer)',
      post(
        `${API}/query?minorversion=75`,
        'application/text',
        "SELECT * FROM Customer WHERE Id IN ('5') MAXRESULTS 10",
      ),
    ],
    // cdc-response.json (REAL): lower-case `entities=estimate`; FACTS §3 l.247-249
    ['GET cdc', get(`${API}/cdc?entities=estimate&changedSince=2026-07-01T09:00-07:00&minorversion=75`)],
    ['GET cdc', get(`${API}/cdc?entities=Customer,Term&changedSince=2026-07-10&minorversion=75&format=json`)],
    // customer-read.json (REAL)
    ['GET customer/{id}', get(`${API}/customer/5?minorversion=75`)],
    ['GET term/{id}', get(`${API}/term/3?minorversion=75`)],
    ['GET companyinfo/{id}', get(`${API}/companyinfo/${REALM}?minorversion=75`)],
    // report-aged-receivables.json (DOC) and FACTS §4.4 l.353
    [
      'GET reports/AgedReceivables',
      get(`${API}/reports/AgedReceivables?customer=4&date_macro=Last%20Fiscal%20Year&minorversion=75`),
    ],
    [
      'GET reports/AgedReceivables',
      get(`${API}/reports/AgedReceivables?customer=5&report_date=2026-07-20&aging_method=Current&minorversion=75`),
    ],
    ['POST batch (3 items)', post(`${API}/batch?minorversion=75`, 'application/json', batchBody(BATCH_ITEMS))],
    ['POST customer (create)', post(`${API}/customer?minorversion=75`, 'application/json', '{"DisplayName":"Acme"}')],
    [
      'POST customer (sparse update)',
      post(
        `${API}/customer?minorversion=75&requestid=r1`,
        'application/json',
        '{"Id":"5","SyncToken":"2","sparse":true,"Active":false}',
      ),
    ],
    [
      'POST oauth2 token (authorization_code)',
      oauth(
        '/oauth2/v1/tokens/bearer',
        form,
        'grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fa.b%2Fcb',
      ),
    ],
    [
      'POST oauth2 token (refresh_token)',
      oauth('/oauth2/v1/tokens/bearer', form, 'grant_type=refresh_token&refresh_token=RT1'),
    ],
    ['POST oauth2 revoke', oauth('/v2/oauth2/tokens/revoke', 'application/json', '{"token":"RT1"}')],
    ['POST oauth2 revoke', oauth('/v2/oauth2/tokens/revoke', form, 'token=RT1')],
    [
      'GET oauth2 authorize',
      get(
        'http://127.0.0.1:1/connect/oauth2?client_id=c&response_type=code&scope=com.intuit.quickbooks.accounting%20openid&redirect_uri=https%3A%2F%2Fa.b%2Fcb&state=s',
        { accept: undefined, authorization: undefined },
      ),
    ],
    [
      'GET openid discovery',
      get('http://127.0.0.1:1/.well-known/openid_sandbox_configuration', { authorization: undefined }),
    ],
    ['GET openid jwks', get('http://127.0.0.1:1/op/v1/jwks', { authorization: undefined })],
    ['GET openid userinfo', get('http://127.0.0.1:1/v1/openid_connect/userinfo')],
  ])('passes %s', (operation, record) => {
    expect(checkQuickBooksRequest(record)).toMatchObject({ operation, problems: [] });
  });

  it.each<[string, RecordedQuickBooksRequest, RegExp]>([
    [
      'no bearer token',
      get(queryUrl('SELECT COUNT(*) FROM Customer'), { authorization: { scheme: 'Basic', credential: true } }),
      /Authorization must be Bearer/,
    ],
    [
      'a bearer scheme without a token',
      get(queryUrl('SELECT COUNT(*) FROM Customer'), { authorization: { scheme: 'Bearer', credential: false } }),
      /Authorization must be Bearer/,
    ],
    [
      'no Accept',
      get(queryUrl('SELECT COUNT(*) FROM Customer'), { accept: undefined }),
      /Accept must be application\/json/,
    ],
    [
      'Accept XML',
      get(queryUrl('SELECT COUNT(*) FROM Customer'), { accept: 'application/xml' }),
      /Accept must be application\/json/,
    ],
    ['minorversion 65', get(`${API}/customer/5?minorversion=65`), /minorversion must be 75/],
    ['no minorversion', get(`${API}/customer/5`), /query parameter minorversion is missing/],
    ['format=xml', get(`${API}/customer/5?minorversion=75&format=xml`), /format must be json/],
    [
      'an undocumented parameter',
      get(`${API}/customer/5?minorversion=75&limit=5`),
      /query parameter limit is not documented/,
    ],
    ['a parameter twice', get(`${API}/customer/5?minorversion=75&minorversion=75`), /minorversion appears twice/],
    ['a GET query without a statement', get(`${API}/query?minorversion=75`), /query parameter query is missing/],
    ['a GET with a body', get(queryUrl('SELECT COUNT(*) FROM Customer'), { body: 'x' }), /carries no body/],
    [
      'an invalid statement',
      get(queryUrl("SELECT * FROM Customer WHERE Id = '1' OR Id = '2' MAXRESULTS 1")),
      /query: OR is not supported/,
    ],
    [
      'a POSTed query as JSON',
      post(`${API}/query?minorversion=75`, 'application/json', 'SELECT COUNT(*) FROM Customer'),
      /must be application\/text/,
    ],
    ['CDC without entities', get(`${API}/cdc?changedSince=2026-07-10&minorversion=75`), /entities is missing/],
    [
      'CDC of an unsupported entity',
      get(`${API}/cdc?entities=Customer,TaxRate&changedSince=2026-07-10&minorversion=75`),
      /CDC does not support TaxRate/,
    ],
    [
      'CDC of an unknown entity',
      get(`${API}/cdc?entities=Widget&changedSince=2026-07-10&minorversion=75`),
      /"Widget" is not an entity/,
    ],
    ['CDC without changedSince', get(`${API}/cdc?entities=Customer&minorversion=75`), /changedSince is missing/],
    [
      'CDC since a time without an offset',
      get(`${API}/cdc?entities=Customer&changedSince=2026-07-10T09:00:00&minorversion=75`),
      /not a date or a date-time with an offset/,
    ],
    [
      'CDC more than 30 days back',
      get(`${API}/cdc?entities=Customer&changedSince=2026-06-19T11:59:59Z&minorversion=75`),
      /more than 30 days back/,
    ],
    [
      'a report date that is not a date',
      get(`${API}/reports/AgedReceivables?report_date=20260720&minorversion=75`),
      /report_date must be YYYY-MM-DD/,
    ],
    [
      'an unknown aging method',
      get(`${API}/reports/AgedReceivables?aging_method=Due&minorversion=75`),
      /aging_method must be Report_Date or Current/,
    ],
    ['an undocumented report', get(`${API}/reports/ProfitAndLoss?minorversion=75`), /not an endpoint FACTS documents/],
    [
      '31 batch items',
      post(
        `${API}/batch?minorversion=75`,
        'application/json',
        batchBody(Array.from({ length: 31 }, (_, i) => ({ bId: `b${i}`, Query: 'select * from Term MAXRESULTS 1' }))),
      ),
      /31 batch items; at most 30/,
    ],
    ['an empty batch', post(`${API}/batch?minorversion=75`, 'application/json', batchBody([])), /at least one item/],
    [
      'a batch bId twice',
      post(`${API}/batch?minorversion=75`, 'application/json', batchBody([BATCH_ITEMS[2], BATCH_ITEMS[2]])),
      /bId b3 is not unique/,
    ],
    [
      'a batch item without bId',
      post(
        `${API}/batch?minorversion=75`,
        'application/json',
        batchBody([{ Query: 'select * from Term MAXRESULTS 1' }]),
      ),
      /needs a bId/,
    ],
    [
      'an undocumented batch operation',
      post(
        `${API}/batch?minorversion=75`,
        'application/json',
        batchBody([{ bId: 'b1', operation: 'merge', Customer: {} }]),
      ),
      /operation must be create, update or delete/,
    ],
    [
      'a batch item with two entities',
      post(
        `${API}/batch?minorversion=75`,
        'application/json',
        batchBody([{ bId: 'b1', operation: 'create', Customer: {}, Vendor: {} }]),
      ),
      /exactly one documented entity/,
    ],
    [
      'a batch query with an operation',
      post(
        `${API}/batch?minorversion=75`,
        'application/json',
        batchBody([{ bId: 'b1', operation: 'create', Query: 'select * from Term MAXRESULTS 1' }]),
      ),
      /a Query item carries nothing else/,
    ],
    [
      'an invalid batch query',
      post(
        `${API}/batch?minorversion=75`,
        'application/json',
        batchBody([{ bId: 'b1', Query: 'select * from Term MAXRESULTS 5000' }]),
      ),
      /item b1 query: MAXRESULTS needs a whole number from 1 to 1000/,
    ],
    [
      'a batch sent as text',
      post(`${API}/batch?minorversion=75`, 'text/plain', batchBody(BATCH_ITEMS)),
      /Content-Type must be application\/json/,
    ],
    [
      'a body that is not JSON',
      post(`${API}/customer?minorversion=75`, 'application/json', '{'),
      /the body is not JSON/,
    ],
    [
      'a create without a name',
      post(`${API}/customer?minorversion=75`, 'application/json', '{"Notes":"x"}'),
      /a create needs DisplayName or a name part/,
    ],
    [
      'a name with a colon',
      post(`${API}/customer?minorversion=75`, 'application/json', '{"DisplayName":"Acme: East"}'),
      /DisplayName has a colon, tab or newline/,
    ],
    [
      'an email without a dot',
      post(
        `${API}/customer?minorversion=75`,
        'application/json',
        '{"DisplayName":"A","PrimaryEmailAddr":{"Address":"a@b"}}',
      ),
      /must contain @ and \./,
    ],
    [
      'an update without SyncToken',
      post(`${API}/customer?minorversion=75`, 'application/json', '{"Id":"5","sparse":true,"Active":false}'),
      /an update needs Id and SyncToken/,
    ],
    ['a read of an unknown entity', get(`${API}/widget/5?minorversion=75`), /widget is not an entity FACTS documents/],
    ['a read by a non-numeric id', get(`${API}/customer/abc?minorversion=75`), /the id is not a QBO Id/],
    ['a company read of another realm', get(`${API}/companyinfo/1?minorversion=75`), /the id is not the realm id/],
    [
      'a realm that is not a number',
      get(`http://127.0.0.1:1/v3/company/abc/customer/5?minorversion=75`),
      /realm id abc is not a number/,
    ],
    [
      'a DELETE',
      get(`${API}/customer/5?minorversion=75`, { method: 'DELETE' }),
      /DELETE .* is not an endpoint FACTS documents/,
    ],
    [
      'an unknown path',
      get('http://127.0.0.1:1/v2/company/1/customer/5'),
      /GET \/v2\/company\/1\/customer\/5 is not an endpoint/,
    ],
    [
      'a token request sent as JSON',
      oauth('/oauth2/v1/tokens/bearer', 'application/json', 'grant_type=refresh_token&refresh_token=RT1'),
      /must be application\/x-www-form-urlencoded/,
    ],
    [
      'a token request with a bearer token',
      oauth('/oauth2/v1/tokens/bearer', form, 'grant_type=refresh_token&refresh_token=RT1', {
        authorization: { scheme: 'Bearer', credential: true },
      }),
      /Authorization must be Basic/,
    ],
    [
      'a token request without Accept',
      oauth('/oauth2/v1/tokens/bearer', form, 'grant_type=refresh_token&refresh_token=RT1', { accept: undefined }),
      /Accept must be application\/json/,
    ],
    [
      'an undocumented grant',
      oauth('/oauth2/v1/tokens/bearer', form, 'grant_type=password&username=a'),
      /grant_type "password"/,
    ],
    [
      'a refresh without its token',
      oauth('/oauth2/v1/tokens/bearer', form, 'grant_type=refresh_token'),
      /refresh_token is missing/,
    ],
    [
      'a code exchange without redirect_uri',
      oauth('/oauth2/v1/tokens/bearer', form, 'grant_type=authorization_code&code=c'),
      /redirect_uri is missing/,
    ],
    [
      'client credentials in the body',
      oauth('/oauth2/v1/tokens/bearer', form, 'grant_type=refresh_token&refresh_token=RT1&client_secret=s'),
      /client_secret is not a documented field/,
    ],
    ['a revoke without a token', oauth('/v2/oauth2/tokens/revoke', 'application/json', '{}'), /must carry the token/],
    [
      'an authorize without state',
      get(
        'http://127.0.0.1:1/connect/oauth2?client_id=c&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fa.b',
      ),
      /state is missing/,
    ],
    [
      'an implicit-grant authorize',
      get(
        'http://127.0.0.1:1/connect/oauth2?client_id=c&response_type=token&scope=openid&redirect_uri=https%3A%2F%2Fa.b&state=s',
      ),
      /response_type must be code/,
    ],
    [
      'an unknown scope',
      get(
        'http://127.0.0.1:1/connect/oauth2?client_id=c&response_type=code&scope=accounting&redirect_uri=https%3A%2F%2Fa.b&state=s',
      ),
      /scope accounting is not one Intuit defines/,
    ],
    [
      'a plain-HTTP redirect off loopback',
      get(
        'http://127.0.0.1:1/connect/oauth2?client_id=c&response_type=code&scope=openid&redirect_uri=http%3A%2F%2Fa.b%2Fcb&state=s',
      ),
      /redirect_uri must be HTTPS/,
    ],
    [
      'userinfo without a bearer token',
      get('http://127.0.0.1:1/v1/openid_connect/userinfo', { authorization: undefined }),
      /userinfo needs Authorization: Bearer/,
    ],
    [
      'a JWKS read with parameters',
      get('http://127.0.0.1:1/op/v1/jwks?kid=1'),
      /query parameter kid is not documented/,
    ],
  ])('refuses %s', (_name, record, problem) => {
    expect(problemsOf(record)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('counts operations, allowances and invalid requests in its report', () => {
    const report = quickbooksConformanceReport([
      get(queryUrl("SELECT * FROM Customer WHERE ParentRef IN ('4') STARTPOSITION 1 MAXRESULTS 1000")),
      get(queryUrl("SELECT * FROM Customer WHERE ParentRef IN ('5') STARTPOSITION 1 MAXRESULTS 1000")),
      get(`${API}/customer/5?minorversion=65`),
    ]);
    expect(report).toMatchObject({
      requests: 3,
      operations: { 'GET query (Customer)': 2, 'GET customer/{id}': 1 },
      allowances: { 'ParentRef is not listed as filterable in FACTS §4.1 (unverified at Intuit)': 2 },
      invalidRequests: 1,
      violations: [{ operation: 'GET customer/{id}', problems: [expect.stringMatching(/minorversion must be 75/)] }],
    });
  });
});
