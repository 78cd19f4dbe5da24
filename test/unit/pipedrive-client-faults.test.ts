import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cloudflareBlockPage } from '../../local/pipedrive/responses';
import { assertPipedriveApiDomain } from '../../functions/pipedrive/api-domain';
import {
  classifyPipedriveResponse,
  HARD_STOP_DEFAULT_MS,
  NotFoundError,
  retryAfterMs,
} from '../../functions/pipedrive/faults';
import {
  AuthError,
  HardStopError,
  PermanentError,
  RateLimitedError,
  TransientError,
} from '../../functions/shared/errors';
import type { HttpResponse } from '../../functions/shared/http';

const REFERENCE = resolve(__dirname, '../../local/pipedrive/reference');
const reference = (file: string) => readFileSync(resolve(REFERENCE, file), 'utf8');

function answer(status: number, text: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, text, headers: new Headers({ 'content-type': 'application/json', ...headers }) };
}

describe('classifyPipedriveResponse over the recorded error shapes', () => {
  it('passes a success', () => {
    expect(classifyPipedriveResponse(answer(200, reference('organization-v2-get-response.json')))).toBeUndefined();
  });

  it('401 unauthorized → AuthError, without the body in the message', () => {
    const error = classifyPipedriveResponse(answer(401, reference('error-401-unauthorized-response.json')));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ status: 401, code: '401', system: 'pipedrive' });
    expect(error?.message).not.toContain('unauthorized access');
  });

  it('403 plan limit (JSON) → PermanentError with its code and message', () => {
    const error = classifyPipedriveResponse(answer(403, reference('error-403-limit-reached-response.json')));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).not.toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ code: 'feature_capping_deals_limit' });
    expect(error?.message).toContain('Open deals limit reached');
  });

  it('403 Cloudflare HTML page → HardStopError for an hour, carrying the ray id', () => {
    const page = cloudflareBlockPage('7f1e2d3c4b5a6978-SBX');
    const error = classifyPipedriveResponse({
      status: page.status,
      headers: new Headers(page.headers),
      text: typeof page.body === 'string' ? page.body : '',
    });
    expect(error).toBeInstanceOf(HardStopError);
    expect(error).toMatchObject({ retryAfterMs: HARD_STOP_DEFAULT_MS, requestId: '7f1e2d3c4b5a6978-SBX' });
  });

  it('403 HTML without a content type is still a hard stop; a longer retry-after wins', () => {
    const response: HttpResponse = {
      status: 403,
      text: '<html>blocked</html>',
      headers: new Headers({ 'retry-after': '7200' }),
    };
    expect(classifyPipedriveResponse(response)).toMatchObject({ kind: 'hard-stop', retryAfterMs: 7_200_000 });
  });

  it('403 scope mismatch → AuthError (only reconnecting with the right scopes helps)', () => {
    const body = JSON.stringify({ success: false, error: 'Scope and URL mismatch', data: null });
    expect(classifyPipedriveResponse(answer(403, body))).toMatchObject({ kind: 'auth', code: 'scope_mismatch' });
  });

  it.each([404, 410])('%i → NotFoundError, a PermanentError', (status) => {
    const error = classifyPipedriveResponse(answer(status, reference('error-v2-404-response.json')));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error?.message).toContain('Entity was not found');
  });

  it.each([400, 422])('%i → PermanentError with Pipedrive’s message', (status) => {
    const body = JSON.stringify({ success: false, error: 'ERR_SCHEMA_VALIDATION_FAILED: name: must not be empty' });
    const error = classifyPipedriveResponse(answer(status, body));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error?.message).toContain('ERR_SCHEMA_VALIDATION_FAILED: name: must not be empty');
  });

  it('the generic error body: 4xx permanent, 5xx transient', () => {
    const body = reference('error-generic-response.json');
    expect(classifyPipedriveResponse(answer(400, body))?.message).toContain('Requested service is not available');
    expect(classifyPipedriveResponse(answer(503, body))).toBeInstanceOf(TransientError);
    expect(classifyPipedriveResponse(answer(500, 'oops', { 'content-type': 'text/plain' }))).toBeInstanceOf(
      TransientError,
    );
  });

  it('429 daily budget → RateLimitedError with retry-after as the wait', () => {
    const error = classifyPipedriveResponse(
      answer(429, reference('rate-limit-429-daily-budget-response.json'), { 'retry-after': '3939' }),
    );
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ retryAfterMs: 3_939_000, code: 'daily_budget' });
  });

  it('429 burst: retry-after, else x-ratelimit-reset, else a minute', () => {
    const body = JSON.stringify({ success: false, error: 'Rate limit has been exceeded', errorCode: 429 });
    expect(classifyPipedriveResponse(answer(429, body, { 'retry-after': '2' }))).toMatchObject({
      retryAfterMs: 2000,
      code: 'burst',
    });
    expect(classifyPipedriveResponse(answer(429, body, { 'x-ratelimit-reset': '1' }))).toMatchObject({
      retryAfterMs: 1000,
    });
    expect(classifyPipedriveResponse(answer(429, body))).toMatchObject({ retryAfterMs: 60_000 });
  });

  it('402 (account not open) parks the work like an auth failure; a redirect is not followed', () => {
    expect(classifyPipedriveResponse(answer(402, reference('error-generic-response.json')))).toBeInstanceOf(AuthError);
    expect(classifyPipedriveResponse(answer(302, '', { location: 'https://elsewhere.example' }))).toBeInstanceOf(
      TransientError,
    );
  });

  it('a 200 that says success:false is a PermanentError', () => {
    const body = JSON.stringify({ success: false, error: 'Something odd' });
    expect(classifyPipedriveResponse(answer(200, body))).toBeInstanceOf(PermanentError);
  });

  it('reads retry-after as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 0, 5, 10, 0, 0);
    expect(retryAfterMs(answer(429, '', { 'retry-after': new Date(now + 5000).toUTCString() }), now)).toBe(5000);
    expect(retryAfterMs(answer(429, '', { 'retry-after': 'soon' }), now)).toBeUndefined();
  });
});

describe('assertPipedriveApiDomain', () => {
  it.each([
    ['https://acme.pipedrive.com', 'https://acme.pipedrive.com'],
    ['https://User-Company.pipedrive.com/', 'https://user-company.pipedrive.com'],
    ['https://api.pipedrive.com', 'https://api.pipedrive.com'],
  ])('accepts %s', (input, origin) => {
    expect(assertPipedriveApiDomain(input)).toBe(origin);
  });

  it.each([
    'http://acme.pipedrive.com',
    'https://pipedrive.com',
    'https://acme.pipedrive.com.evil.example',
    'https://evil.example/acme.pipedrive.com',
    'https://acme.pipedrive.com@evil.example',
    'https://a.b.pipedrive.com',
    'https://acme.pipedrive.com:8443',
    'https://acme.pipedrive.com/api/v2',
    'https://acme.pipedrive.com?x=1',
    'https://evilpipedrive.com',
    'not a url',
    'http://127.0.0.1:4000',
  ])('refuses %s', (input) => {
    expect(() => assertPipedriveApiDomain(input)).toThrow(PermanentError);
    expect(() => assertPipedriveApiDomain(input)).toThrow(/api_domain/);
  });

  it('accepts an explicitly allowed host (the sandbox), by host:port or hostname', () => {
    expect(assertPipedriveApiDomain('http://127.0.0.1:4000', { allowHosts: ['127.0.0.1:4000'] })).toBe(
      'http://127.0.0.1:4000',
    );
    expect(assertPipedriveApiDomain('http://localhost:5000/', { allowHosts: ['localhost'] })).toBe(
      'http://localhost:5000',
    );
    expect(() => assertPipedriveApiDomain('http://127.0.0.1:4001', { allowHosts: ['127.0.0.1:4000'] })).toThrow();
    expect(() => assertPipedriveApiDomain('ftp://127.0.0.1:4000', { allowHosts: ['127.0.0.1:4000'] })).toThrow();
  });
});
