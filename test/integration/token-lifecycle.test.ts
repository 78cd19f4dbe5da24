import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { QuickBooksSandbox } from '../../local/quickbooks';
import { QuickBooksOAuthClient } from '../../functions/quickbooks/oauth-client';
import { ConnectionStore } from '../../functions/store/connections';
import type { Table } from '../../functions/store/table';
import type { TokenCipher, TokenCipherContext } from '../../functions/store/token-cipher';
import {
  NeedsReauthError,
  storeNewTokens,
  TokenLifecycle,
  type TokenRefresher,
} from '../../functions/connections/token-lifecycle';
import { TokenStore } from '../../functions/store/token-store';
import { TokenDecryptionError } from '../../functions/store/kms-token-cipher';
import type { Log } from '../../functions/shared/log';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';
import { control, startTestQuickBooks } from '../helpers/quickbooks-sandbox';
import { localKmsCipher } from '../helpers/kms';

const HOUR = 3_600_000;

describe('token lifecycle against the QBO sandbox, DynamoDB Local and the local KMS', () => {
  let sandbox: QuickBooksSandbox;
  let table: Table;
  let cipher: TokenCipher & { close?: () => Promise<void> };
  let realm: string;
  const lines: string[] = [];
  const log: Log = {
    debug: (m, a) => lines.push(JSON.stringify([m, a])),
    info: (m, a) => lines.push(JSON.stringify([m, a])),
    warn: (m, a) => lines.push(JSON.stringify([m, a])),
    error: (m, a) => lines.push(JSON.stringify([m, a])),
  };

  beforeAll(async () => {
    table = { client: localDocumentClient(), name: await createTestTable() };
    cipher = await localKmsCipher();
  });
  afterAll(() => cipher.close?.());

  beforeEach(async () => {
    sandbox = await startTestQuickBooks({ oauth: { rotationPeriodMs: 0 } });
    realm = `${sandbox.describe().realmId}-${Math.random().toString(36).slice(2, 8)}`;
    sandbox.state.addCompany(realm, 'Lifecycle Co');
    await new ConnectionStore(table).create(realm, sandbox.clock.now());
    const issued = (await control(sandbox, 'POST', '/oauth/tokens', { realmId: realm })).body as {
      access_token: string;
      refresh_token: string;
    };
    await storeNewTokens(
      { store: new TokenStore(table), cipher },
      realm,
      'quickbooks',
      { kind: 'oauth', accessToken: issued.access_token, refreshToken: issued.refresh_token },
      { accessTokenExpiresAt: sandbox.clock.now() + HOUR },
      sandbox.clock.now(),
    );
    lines.length = 0;
  });
  afterEach(() => sandbox.close());

  const oauthClient = () => {
    const info = sandbox.describe();
    return new QuickBooksOAuthClient(
      {
        clientId: info.clientId,
        clientSecret: info.clientSecret,
        redirectUri: info.redirectUris[0] ?? '',
        authorizeUrl: info.authorizeUrl,
        tokenUrl: info.tokenUrl,
        revokeUrl: info.revokeUrl,
        timeoutMs: 5000,
      },
      fetch,
      () => sandbox.clock.now(),
    );
  };
  /** A lifecycle as one container would hold it; waiting moves the sandbox clock instead of sleeping. */
  let refreshesCounted = 0;
  const lifecycle = (owner: string, refresher: TokenRefresher = oauthClient()) =>
    new TokenLifecycle({
      onRefreshed: () => {
        refreshesCounted++;
      },
      realmId: realm,
      provider: 'quickbooks',
      store: new TokenStore(table),
      cipher,
      refresher,
      connections: new ConnectionStore(table),
      now: () => sandbox.clock.now(),
      owner,
      log,
      pause: async (ms) => {
        sandbox.clock.advance(ms);
        await yieldToEventLoop();
      },
    });
  const refreshes = () => sandbox.state.counters.get('oauth.refreshes', realm);
  const api = (token: string) =>
    fetch(`${sandbox.url}/v3/company/${realm}/companyinfo/1`, { headers: { authorization: `Bearer ${token}` } });

  it('uses the stored access token until shortly before it expires', async () => {
    const stored = await lifecycle('a').accessToken();
    sandbox.clock.advance(HOUR - 6 * 60_000);
    expect(await lifecycle('a').accessToken()).toBe(stored);
    expect(refreshes()).toBe(0);
    sandbox.clock.advance(2 * 60_000);
    const refreshed = await lifecycle('a').accessToken();
    expect(refreshed).not.toBe(stored);
    expect(refreshes()).toBe(1);
  });

  it('refreshes exactly once for 20 containers that find the access token expired, across a rotation that kills the old refresh token', async () => {
    sandbox.clock.advance(HOUR);
    refreshesCounted = 0;
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => lifecycle(`container-${i}`).accessToken()));
    expect(refreshes()).toBe(1);
    // The TokenRefreshes metric counts the one refresh, not the 19 containers that used its result.
    expect(refreshesCounted).toBe(1);
    expect(sandbox.state.counters.get('oauth.rotations', realm)).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect((await api(tokens[0] ?? '')).status).toBe(200);
    expect(sandbox.state.counters.get('oauth.invalid_grant')).toBe(0);
  });

  it('after a 401, refreshes only if nobody already did', async () => {
    const first = await lifecycle('a').accessToken();
    const fresh = await lifecycle('a').refreshAfterRejection(first);
    expect(fresh).not.toBe(first);
    expect(refreshes()).toBe(1);
    // Another container still holding the old token is given the stored one, with no second refresh.
    expect(await lifecycle('b').refreshAfterRejection(first)).toBe(fresh);
    expect(refreshes()).toBe(1);
  });

  it('recovers when a sibling rotated the refresh token in the meantime: re-read, retry once', async () => {
    sandbox.clock.advance(HOUR);
    const sibling = lifecycle('sibling');
    const client = oauthClient();
    let first = true;
    const racing: TokenRefresher = {
      async refresh(refreshToken) {
        if (first) {
          first = false;
          // The sibling's lease ran out earlier; it rotates and stores while we are about to refresh.
          await sibling.accessToken();
        }
        return client.refresh(refreshToken);
      },
    };
    const store = new TokenStore(table);
    const token = await lifecycle('racer', racing).accessToken();
    expect((await api(token)).status).toBe(200);
    // Our refresh with the superseded token was refused once, then we took the sibling's tokens.
    expect(sandbox.state.counters.get('oauth.invalid_grant', realm)).toBe(1);
    expect(refreshes()).toBe(1);
    expect((await new ConnectionStore(table).get(realm))?.status).toBe('active');
    expect(await store.read(realm, 'quickbooks')).toBeDefined();
  });

  it('marks a genuine invalid_grant needs_reauth once, leaving the stored tokens unchanged', async () => {
    const store = new TokenStore(table);
    const before = await store.read(realm, 'quickbooks');
    await control(sandbox, 'POST', '/oauth/revoke-realm', { realmId: realm });
    sandbox.clock.advance(HOUR);
    await expect(lifecycle('a').accessToken()).rejects.toBeInstanceOf(NeedsReauthError);
    expect(sandbox.state.counters.get('oauth.invalid_grant', realm)).toBe(1);
    const after = await store.read(realm, 'quickbooks');
    expect(after?.ciphertext).toBe(before?.ciphertext);
    expect(after?.version).toBe(before?.version);
    expect(after?.leaseOwner).toBeUndefined();
    expect(await new ConnectionStore(table).get(realm)).toMatchObject({
      status: 'needs_reauth',
      statusReason: expect.stringContaining('invalid_grant') as unknown,
    });
  });

  it('takes over the lease of a container that crashed mid-refresh once it runs out', async () => {
    sandbox.clock.advance(HOUR);
    expect(await new TokenStore(table).acquireLease(realm, 'quickbooks', 'crashed', sandbox.clock.now(), 15_000)).toBe(
      true,
    );
    const token = await lifecycle('survivor').accessToken();
    expect((await api(token)).status).toBe(200);
    expect(refreshes()).toBe(1);
  });

  it('refuses a token row copied to another connection: the ciphertext is bound to its connection', async () => {
    const store = new TokenStore(table);
    const original = await store.read(realm, 'quickbooks');
    const other = `${realm}-copy`;
    await new ConnectionStore(table).create(other, sandbox.clock.now());
    await store.replace(
      other,
      'quickbooks',
      { ciphertext: original?.ciphertext ?? '', accessTokenExpiresAt: sandbox.clock.now() + HOUR },
      sandbox.clock.now(),
    );
    const copied = new TokenLifecycle({
      realmId: other,
      provider: 'quickbooks',
      store,
      cipher,
      refresher: oauthClient(),
      connections: new ConnectionStore(table),
      now: () => sandbox.clock.now(),
    });
    await expect(copied.accessToken()).rejects.toBeInstanceOf(TokenDecryptionError);
  });

  it('never writes a token into a log line', async () => {
    sandbox.clock.advance(HOUR);
    await lifecycle('a').accessToken();
    await control(sandbox, 'POST', '/oauth/revoke-realm', { realmId: realm });
    sandbox.clock.advance(HOUR);
    await lifecycle('a')
      .accessToken()
      .catch(() => undefined);
    expect(lines.length).toBeGreaterThan(0);
    const stored = await new TokenStore(table).read(realm, 'quickbooks');
    const plaintext = await cipher.decrypt(stored?.ciphertext ?? '', {
      connection: realm,
      provider: 'quickbooks',
    } satisfies TokenCipherContext);
    const { accessToken, refreshToken } = JSON.parse(plaintext) as { accessToken: string; refreshToken: string };
    for (const line of lines) {
      expect(line).not.toContain(accessToken);
      expect(line).not.toContain(refreshToken);
      expect(line).not.toContain(stored?.ciphertext ?? 'x');
    }
  });
});
