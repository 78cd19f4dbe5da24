import { FUNCTION_TIMEOUT_SECONDS } from '../../../lib/function-timeouts';
import { lambdaContext } from '../../../local/stack/load-handler';

describe('the local stack’s Lambda context', () => {
  it('counts down from each function’s real timeout', () => {
    let now = 1_000_000;
    const poll = lambdaContext('cdc-poll', undefined, () => now);
    expect(poll.getRemainingTimeInMillis()).toBe(FUNCTION_TIMEOUT_SECONDS.cdcPoll * 1000);
    expect(poll.getRemainingTimeInMillis()).toBe(300_000);
    now += 90_000;
    expect(poll.getRemainingTimeInMillis()).toBe(210_000);
    now += 1_000_000;
    expect(poll.getRemainingTimeInMillis()).toBe(0);
  });

  it('knows every function, by its lib/ name or its deployed name', () => {
    expect(lambdaContext('worker', undefined, () => 0).getRemainingTimeInMillis()).toBe(60_000);
    expect(lambdaContext('operations', undefined, () => 0).getRemainingTimeInMillis()).toBe(300_000);
    expect(lambdaContext('backfill', undefined, () => 0).getRemainingTimeInMillis()).toBe(900_000);
    expect(lambdaContext('token-upkeep', undefined, () => 0).getRemainingTimeInMillis()).toBe(300_000);
    expect(() => lambdaContext('nothing')).toThrow(/no function named nothing/);
  });
});
