import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyQboResponse, readFault } from '../../functions/quickbooks/faults';
import { quote } from '../../functions/quickbooks/query';
import { AuthError, PermanentError, RateLimitedError, TransientError } from '../../functions/shared/errors';
import { throttleFault } from '../../local/quickbooks/fault-bodies';
import { parseQuery } from '../../local/quickbooks/query-parser';

const reference = (file: string) =>
  readFileSync(join(__dirname, '..', '..', 'local', 'quickbooks', 'reference', file), 'utf8');
const xmlThrottle = () => {
  const body = throttleFault('xml', '2026-07-01T05:00:00.000-07:00', 't').body;
  return typeof body === 'string' ? body : '';
};
const response = (status: number, text: string, headers: Record<string, string> = {}) => ({
  status,
  text,
  headers: new Headers(headers),
});

describe('QBO fault classification', () => {
  it('reads the real lower-case 401 and treats it as an auth error, keeping intuit_tid but not the detail', () => {
    const error = classifyQboResponse(response(401, reference('fault-401.json'), { intuit_tid: '1-abc' }));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ status: 401, code: '3200', requestId: '1-abc' });
    expect(error?.message).not.toContain('AB01601390262');
  });

  it('reads the throttle fault in JSON and in XML as rate-limited for at least 60 s', () => {
    for (const text of [reference('fault-throttle.json'), xmlThrottle()]) {
      const error = classifyQboResponse(response(429, text));
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(60_000);
      expect(error?.code).toBe('3001');
    }
    expect(readFault(xmlThrottle())).toEqual({
      type: 'SERVICE',
      code: '3001',
      message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
    });
  });

  it('treats a 400 validation fault as permanent, with its code', () => {
    const error = classifyQboResponse(response(400, reference('fault-validation-duplicate-name.json')));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: '6240' });
  });

  it('treats a Fault inside an HTTP 200 as an error (each batch item of batch-response.json)', () => {
    const batch = JSON.parse(reference('batch-response.json')) as { BatchItemResponse: Record<string, unknown>[] };
    const kinds = batch.BatchItemResponse.map(
      (item) => classifyQboResponse(response(200, JSON.stringify(item)))?.code ?? 'ok',
    );
    expect(kinds).toEqual(['ok', '610', '5010', 'ok']);
  });

  it('treats 5xx as transient, a 403 as auth, a success as no error', () => {
    expect(classifyQboResponse(response(503, '<html>Service Unavailable</html>'))).toBeInstanceOf(TransientError);
    expect(classifyQboResponse(response(500, reference('fault-validation-duplicate-name.json')))).toBeInstanceOf(
      TransientError,
    );
    expect(
      classifyQboResponse(
        response(403, '{"Fault":{"Error":[{"Message":"x","code":"3100"}],"type":"AuthorizationFault"}}'),
      ),
    ).toBeInstanceOf(AuthError);
    expect(classifyQboResponse(response(200, reference('customer-read.json')))).toBeUndefined();
  });

  it('never throws on arbitrary bodies and statuses', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.string({ maxLength: 300 }), (status, text) => {
        classifyQboResponse(response(status, text));
      }),
    );
  });
});

describe('QBO query quoting', () => {
  it("round-trips every value through the sandbox's QBO parser", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (value) => {
        const parsed = parseQuery(`SELECT * FROM Customer WHERE DisplayName = ${quote(value)}`);
        expect(parsed.where[0]).toMatchObject({ value });
      }),
    );
  });
});
