import {
  AuthError,
  BUDGET_EXHAUSTED_CODE,
  errorKind,
  HardStopError,
  PermanentError,
  RateLimitedError,
  TransientError,
} from '../../functions/shared/errors';
import { failureAction } from '../../functions/shared/failure-policy';
import { MAX_RECEIVE_COUNT } from '../../functions/shared/retry-policy';
import { MissingFieldKeyError } from '../../functions/sync/pipedrive-body';

const noJitter = () => 0;

describe('failureAction: the worker failure policy', () => {
  it.each([
    ['an auth failure parks the work until the reconnect', new AuthError('expired', { system: 'quickbooks' }), 'park'],
    [
      'an auth failure of Pipedrive parks the work too',
      new AuthError('revoked', { system: 'pipedrive', status: 401 }),
      'park',
    ],
    [
      "the Pipedrive company's Cloudflare block holds the work",
      new HardStopError('blocked', { system: 'pipedrive', status: 403, retryAfterMs: 3_600_000 }),
      'hold-blocked',
    ],
    [
      "a spent share of today's Pipedrive budget defers to the next budget day",
      new RateLimitedError('spent', { system: 'pipedrive', code: BUDGET_EXHAUSTED_CODE, retryAfterMs: 1_000 }),
      'defer-budget',
    ],
    [
      'a QBO 429 defers until the company’s calls flow',
      new RateLimitedError('throttled', { system: 'quickbooks', status: 429, retryAfterMs: 60_000 }),
      'defer-throttled',
    ],
    [
      "the shared QBO limiter's refusal defers too",
      new RateLimitedError('held', { system: 'quickbooks', code: 'qbo_limiter', retryAfterMs: 5_000 }),
      'defer-throttled',
    ],
    [
      'a Pipedrive burst 429 goes back to the queue',
      new RateLimitedError('burst', { system: 'pipedrive', status: 429, retryAfterMs: 2_000 }),
      'retry',
    ],
    ['a transient failure is retried', new TransientError('reset', { system: 'pipedrive', status: 503 }), 'retry'],
    ['a permanent failure that reached the worker is retried', new PermanentError('bad', { system: 'aws' }), 'retry'],
    ['a Pipedrive field key not known yet is retried', new MissingFieldKeyError('no key yet'), 'retry'],
    ['an unknown exception is retried', new Error('boom'), 'retry'],
    ['a thrown non-error is retried', 'text', 'retry'],
  ])('%s', (_name, error, action) => {
    expect(failureAction(error, 1, noJitter).action).toBe(action);
  });

  it('does not spend receives on parked or deferred work, whatever the receive count', () => {
    const throttled = new RateLimitedError('throttled', { system: 'quickbooks', status: 429, retryAfterMs: 60_000 });
    expect(failureAction(throttled, MAX_RECEIVE_COUNT, noJitter)).toEqual({ action: 'defer-throttled' });
  });

  it.each([
    [1, { action: 'retry', delaySeconds: 15, lastReceive: false }],
    [2, { action: 'retry', delaySeconds: 30, lastReceive: false }],
    [MAX_RECEIVE_COUNT - 1, { action: 'retry', delaySeconds: 120, lastReceive: false }],
    [MAX_RECEIVE_COUNT, { action: 'retry', delaySeconds: 240, lastReceive: true }],
  ])('backs a transient failure off by receive count %i, and dead-letters on the last', (receives, expected) => {
    expect(failureAction(new TransientError('reset', { system: 'quickbooks' }), receives, noJitter)).toEqual(expected);
  });

  it("waits a Pipedrive burst 429 out by the remote side's own wait", () => {
    const burst = new RateLimitedError('burst', { system: 'pipedrive', status: 429, retryAfterMs: 2_000 });
    expect(failureAction(burst, 3, noJitter)).toEqual({ action: 'retry', delaySeconds: 2, lastReceive: false });
  });
});

describe('MissingFieldKeyError', () => {
  it('is one of the five kinds: transient, from Pipedrive', () => {
    const error = new MissingFieldKeyError('the Pipedrive field quickbooksId has no key yet');
    expect(errorKind(error)).toBe('transient');
    expect(error).toMatchObject({ system: 'pipedrive', code: 'field_key_missing', name: 'MissingFieldKeyError' });
  });
});
