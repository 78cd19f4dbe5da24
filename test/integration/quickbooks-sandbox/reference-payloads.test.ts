/**
 * Each recorded response in the reference folder is what the sandbox returns for the same request
 * on the same seeded data (values and structure; only the volatile `time` differs).
 */
import type { QuickBooksSandbox } from '../../../local/quickbooks';
import { readReference } from '../../../local/quickbooks/seed';
import { signWebhookBody } from '../../../local/quickbooks/webhook-signature';
import {
  accessToken,
  api,
  call,
  control,
  query,
  startTestQuickBooks,
  withoutTime,
} from '../../helpers/quickbooks-sandbox';

const IN_QUERY = "SELECT * FROM Customer WHERE Id IN ('5','6','7','8','9','10') AND Active IN ( true, false )";

describe('QBO sandbox against the recorded QuickBooks responses', () => {
  let sandbox: QuickBooksSandbox;
  let token: string;

  beforeAll(async () => {
    sandbox = await startTestQuickBooks({ seed: { reference: 'customers' } });
    token = await accessToken(sandbox);
  });
  afterAll(() => sandbox.close());

  it('returns query-customers.json for SELECT * FROM Customer MAXRESULTS 1000 STARTPOSITION 1', async () => {
    const result = await query(sandbox, token, 'SELECT * FROM Customer MAXRESULTS 1000 STARTPOSITION 1');
    expect(result.status).toBe(200);
    expect(withoutTime(result.body)).toEqual(withoutTime(readReference('query-customers.json')));
  });

  it('returns query-count.json for SELECT COUNT(*) FROM Customer', async () => {
    const result = await query(sandbox, token, 'SELECT COUNT(*) FROM Customer');
    expect(withoutTime(result.body)).toEqual(withoutTime(readReference('query-count.json')));
  });

  it('returns query-in.json for the Id IN query with MAXRESULTS 2', async () => {
    const result = await query(sandbox, token, `${IN_QUERY} MAXRESULTS 2 STARTPOSITION 1`);
    expect(withoutTime(result.body)).toEqual(withoutTime(readReference('query-in.json')));
  });

  it('returns query-in-count.json for count(*) over the Id IN list', async () => {
    const result = await query(sandbox, token, "SELECT count(*) FROM Customer WHERE Id IN ('5','6','7','8','9','10')");
    expect(withoutTime(result.body)).toEqual(withoutTime(readReference('query-in-count.json')));
  });

  it('returns query-in-page-past-end.json for the page past the end', async () => {
    const result = await query(sandbox, token, `${IN_QUERY} MAXRESULTS 2 STARTPOSITION 7`);
    expect(withoutTime(result.body)).toEqual(withoutTime(readReference('query-in-page-past-end.json')));
  });

  it('sends `time` in the company offset with milliseconds, like the recordings', async () => {
    const result = await query(sandbox, token, 'SELECT COUNT(*) FROM Customer');
    expect((result.body as { time: string }).time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-07:00$/);
  });

  it('answers an expired access token with fault-401.json and its WWW-Authenticate header', async () => {
    sandbox.clock.advance(3600 * 1000);
    const result = await api(sandbox, token, 'customer/5');
    token = await accessToken(sandbox);
    expect(result.status).toBe(401);
    expect(result.headers.get('www-authenticate')).toBe('Bearer realm="Intuit", error="invalid_token"');
    const expected = readReference('fault-401.json') as Record<string, unknown>;
    const body = result.body as Record<string, unknown>;
    expect(typeof body.time).toBe('number');
    const strip = (fault: Record<string, unknown>) => {
      const copy = structuredClone(fault) as { time?: unknown; fault: { error: { detail?: string }[] } };
      delete copy.time;
      for (const error of copy.fault.error) delete error.detail;
      return copy;
    };
    expect(strip(body)).toEqual(strip(expected));
    expect((body as { fault: { error: { detail: string }[] } }).fault.error[0]?.detail).toMatch(/^Token expired: /);
  });

  it('answers a duplicate DisplayName with fault-validation-duplicate-name.json', async () => {
    const result = await control(sandbox, 'POST', `/realms/${sandbox.describe().realmId}/customers`, {
      DisplayName: "Amy's Bird Sanctuary",
    });
    expect(result.status).toBe(400);
    expect(withoutTime(result.body)).toEqual(withoutTime(readReference('fault-validation-duplicate-name.json')));
  });

  it('answers throttling with fault-throttle.json when set to JSON, and with its XML form by default', async () => {
    await control(sandbox, 'PUT', '/throttle', { perSecond: 1, perMinute: 500, format: 'json' });
    await query(sandbox, token, 'SELECT COUNT(*) FROM Customer');
    const json = await query(sandbox, token, 'SELECT COUNT(*) FROM Customer');
    expect(json.status).toBe(429);
    expect(withoutTime(json.body)).toEqual(withoutTime(readReference('fault-throttle.json')));

    await control(sandbox, 'PUT', '/throttle', { perSecond: 1, perMinute: 500, format: 'xml' });
    const xml = await query(sandbox, token, 'SELECT COUNT(*) FROM Customer');
    expect(xml.status).toBe(429);
    expect(xml.headers.get('content-type')).toContain('xml');
    expect(xml.text).toContain(
      '<Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>',
    );
    expect(xml.text).toContain('<Detail>The request limit was reached.  Try again later</Detail>');
    await control(sandbox, 'PUT', '/throttle', { enabled: false });
  });
});

describe('QBO sandbox against single recorded entities', () => {
  let sandbox: QuickBooksSandbox;
  afterEach(() => sandbox.close());

  it('returns customer-read.json for GET /customer/5', async () => {
    sandbox = await startTestQuickBooks({ seed: { reference: 'customer-read' } });
    const result = await api(sandbox, await accessToken(sandbox), 'customer/5?minorversion=75');
    expect(result.status).toBe(200);
    expect(withoutTime(result.body)).toEqual(withoutTime(readReference('customer-read.json')));
  });

  it('returns term-date-driven.json for GET /term/11', async () => {
    sandbox = await startTestQuickBooks({ seed: { reference: 'term' } });
    const result = await api(sandbox, await accessToken(sandbox), 'term/11');
    expect(withoutTime(result.body)).toEqual(readReference('term-date-driven.json'));
  });

  it('returns cdc-response.json for the recorded CDC request (the 2020 sandbox did not enforce 30 days)', async () => {
    sandbox = await startTestQuickBooks({
      seed: { reference: 'estimates' },
      cdc: { maxLookbackDays: 0, maxObjectsPerEntity: 1000 },
    });
    const result = await api(
      sandbox,
      await accessToken(sandbox),
      'cdc?entities=estimate&changedSince=2011-10-10T09:00:00-07:00&minorversion=75',
    );
    expect(withoutTime(result.body)).toEqual(withoutTime(readReference('cdc-response.json')));
  });

  it('lists a deleted customer in CDC as cdc-customer-deleted.json does', async () => {
    sandbox = await startTestQuickBooks({
      seed: { reference: 'deleted-customer' },
      cdc: { maxLookbackDays: 0, maxObjectsPerEntity: 1000 },
    });
    const result = await api(
      sandbox,
      await accessToken(sandbox),
      'cdc?entities=Customer&changedSince=2014-12-01T00:00:00-08:00',
    );
    const expected = readReference('cdc-customer-deleted.json') as {
      CDCResponse: { QueryResponse: { Customer: unknown[] }[] }[];
    };
    const body = result.body as typeof expected;
    expect(body.CDCResponse[0]?.QueryResponse[0]?.Customer).toEqual(
      expected.CDCResponse[0]?.QueryResponse[0]?.Customer,
    );
  });
});

describe('QBO sandbox OAuth bodies against the recorded token responses', () => {
  let sandbox: QuickBooksSandbox;
  beforeAll(async () => {
    sandbox = await startTestQuickBooks();
  });
  afterAll(() => sandbox.close());

  const basic = () => {
    const { clientId, clientSecret } = sandbox.describe();
    return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  };
  async function codeFor(scope: string): Promise<string> {
    const info = sandbox.describe();
    const url = new URL(info.authorizeUrl);
    url.search = new URLSearchParams({
      client_id: info.clientId,
      response_type: 'code',
      scope,
      redirect_uri: info.redirectUris[0] ?? '',
      state: 's1',
    }).toString();
    const result = await call(url.toString());
    return new URL(result.headers.get('location') ?? '').searchParams.get('code') ?? '';
  }
  const exchange = (code: string, headers: Record<string, string> = {}) =>
    call(sandbox.describe().tokenUrl, {
      method: 'POST',
      headers: {
        authorization: basic(),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...headers,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: sandbox.describe().redirectUris[0] ?? '',
      }).toString(),
    });

  it('answers a code exchange with the fields and types of token-response.json (id_token only with openid)', async () => {
    const expected = readReference('token-response.json');
    const withOpenId = await exchange(await codeFor('com.intuit.quickbooks.accounting openid'));
    expect(Object.keys(withOpenId.body as object).sort()).toEqual(Object.keys(expected).sort());
    const body = withOpenId.body as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, x_refresh_token_expires_in: 8_726_400 });
    expect(withOpenId.headers.get('intuit_tid')).toMatch(/^1-/);
    const plain = await exchange(await codeFor('com.intuit.quickbooks.accounting'));
    expect(Object.keys(plain.body as object)).not.toContain('id_token');
  });

  it('adds x_refresh_token_hard_expires_in as token-response-hard-expiry.json when asked', async () => {
    const result = await exchange(await codeFor('com.intuit.quickbooks.accounting'), {
      'x-include-refresh-token-hard-expires-in': 'true',
    });
    expect(Object.keys(result.body as object).sort()).toEqual(
      Object.keys(readReference('token-response-hard-expiry.json')).sort(),
    );
    expect((result.body as { x_refresh_token_hard_expires_in: number }).x_refresh_token_hard_expires_in).toBe(
      5 * 365 * 86_400,
    );
  });

  it('answers a bad refresh token with token-error-invalid-grant.json', async () => {
    const result = await call(sandbox.describe().tokenUrl, {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=RT1-not-a-token',
    });
    expect(result.status).toBe(400);
    expect(result.body).toEqual(readReference('token-error-invalid-grant.json'));
  });
});

describe('webhook signer', () => {
  it('reproduces the signature test vector from the Intuit Java SDK', () => {
    const vector = readReference('webhook-legacy-signature-vector.json') as {
      verifierToken: string;
      rawBody: string;
      intuitSignature: string;
    };
    expect(signWebhookBody(vector.rawBody, vector.verifierToken)).toBe(vector.intuitSignature);
  });
});
