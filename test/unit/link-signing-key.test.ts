import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { LINK_KEY_MAX_AGE_SECONDS, linkSigningKey } from '../../functions/aws/secrets';

const secrets = mockClient(SecretsManagerClient);
const env = { OAUTH_START_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:start-token' };

beforeEach(() => {
  secrets.reset();
  jest.useFakeTimers({ now: new Date('2026-12-02T10:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('the link-signing key', () => {
  it('is cached briefly, so a rotated secret takes effect within a minute', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'old-key' });
    expect(await linkSigningKey(env)).toBe('old-key');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'rotated-key' });
    // Within the cache's life the container keeps the old key (one Secrets Manager call per minute at most)…
    expect(await linkSigningKey(env)).toBe('old-key');
    // …and after it, the rotated one: minutes, not the container's life.
    jest.setSystemTime(Date.now() + (LINK_KEY_MAX_AGE_SECONDS + 1) * 1000);
    expect(await linkSigningKey(env)).toBe('rotated-key');
    expect(LINK_KEY_MAX_AGE_SECONDS).toBeLessThanOrEqual(300);
  });

  it('is undefined when none is configured, so no link opens (fail closed)', async () => {
    expect(await linkSigningKey({})).toBeUndefined();
  });
});
