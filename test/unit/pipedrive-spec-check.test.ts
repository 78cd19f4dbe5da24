import { PipedriveSpecCheck } from '../../local/conformance/pipedrive-spec-check';
import type { RecordedExchange } from '../../local/conformance/recorded-exchange';

/** The independent validator (decision 44) catches what issue #12 found, and passes what is valid. */
describe('the independent Pipedrive spec check', () => {
  const check = new PipedriveSpecCheck();
  const organization = { id: 1, name: 'Acme', add_time: '2026-01-01T00:00:00Z', update_time: '2026-01-01T00:00:00Z' };
  const exchange = (overrides: Partial<RecordedExchange>): RecordedExchange => ({
    method: 'POST',
    url: 'http://127.0.0.1:1/api/v2/organizations',
    requestContentType: 'application/json',
    requestBody: JSON.stringify({ name: 'Acme' }),
    authenticated: true,
    status: 200,
    responseContentType: 'application/json',
    responseBody: JSON.stringify({ success: true, data: organization }),
    faulted: false,
    ...overrides,
  });

  it('passes a valid create (only `name` required: the documented `title` spec bug)', () => {
    const body = { name: 'Acme', address: { value: '1 Main St', route: 'Main St' }, custom_fields: { k: null } };
    expect(check.check(exchange({ requestBody: JSON.stringify(body) }))).toEqual({
      operation: 'v2 POST /organizations',
      problems: [],
    });
  });

  it('checks the token revocation neither spec declares against the SDK’s documented form', () => {
    const revoke = (body: string, authenticated = true) =>
      check.check(
        exchange({
          url: 'http://h/oauth/revoke',
          requestContentType: 'application/x-www-form-urlencoded',
          requestBody: body,
          authenticated,
          responseBody: '{"success":true}',
        }),
      );
    expect(revoke('token=r1&token_type_hint=refresh_token')).toEqual({
      operation: 'outside the specs: POST /oauth/revoke',
      problems: [],
    });
    expect(revoke('token_type_hint=refresh', false).problems).toEqual([
      'request: no client Basic auth',
      'request: no `token`',
      'request: token_type_hint refresh is neither access_token nor refresh_token',
    ]);
    expect(check.check(exchange({ url: 'http://h/oauth/revoke', method: 'GET' })).problems).toHaveLength(1);
  });

  it('flags `address: null` and null address parts, as the issue found', () => {
    const nullAddress = check.check(exchange({ requestBody: JSON.stringify({ name: 'Acme', address: null }) }));
    expect(nullAddress.problems).toEqual([expect.stringMatching(/^body\/address must be object/)]);
    const nullPart = check.check(
      exchange({
        method: 'PATCH',
        url: 'http://127.0.0.1:1/api/v2/organizations/7',
        requestBody: JSON.stringify({ address: { value: 'x', locality: null } }),
      }),
    );
    expect(nullPart).toMatchObject({ operation: 'v2 PATCH /organizations/{id}' });
    expect(nullPart.problems).toEqual([expect.stringMatching(/^body\/address\/locality must be string/)]);
  });

  it('flags a bad path parameter, an undeclared or mistyped query parameter, and an unknown path', () => {
    const get = (url: string) =>
      check.check(exchange({ method: 'GET', url, requestBody: undefined, requestContentType: undefined }));
    expect(get('http://h/api/v2/organizations/abc').problems).toEqual([
      expect.stringMatching(/^path id must be integer/),
    ]);
    expect(get('http://h/api/v2/organizations?limit=ten&api_token=x').problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^query limit must be integer/),
        'query api_token is not a parameter of this operation',
      ]),
    );
    expect(get('http://h/api/v2/organizations/search?term=ac').operation).toBe('v2 GET /organizations/search');
    expect(get('http://h/api/v3/organizations').problems).toEqual([
      'path /api/v3/organizations is under no Pipedrive API prefix',
    ]);
  });

  it('reads v1 under /api/v1 and /v1, and checks the response too unless it was an injected fault', () => {
    const merge = (responseBody: string, faulted = false) =>
      check.check(
        exchange({
          method: 'PUT',
          url: 'http://h/api/v1/organizations/3/merge',
          requestBody: JSON.stringify({ merge_with_id: 4 }),
          responseBody,
          faulted,
        }),
      );
    expect(merge(JSON.stringify({ success: true, data: { id: 4 } }))).toEqual({
      operation: 'v1 PUT /organizations/{id}/merge',
      problems: [],
    });
    expect(merge(JSON.stringify({ success: true, data: { id: 'four' } })).problems).toEqual([
      expect.stringMatching(/^response 200 body\/data\/id must be integer/),
    ]);
    expect(merge('<html>', true).problems).toEqual([]);
  });
});
