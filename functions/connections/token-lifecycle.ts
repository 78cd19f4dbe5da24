import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import * as z from '../shared/zod-mini';
import { AuthError, TransientError } from '../shared/errors';
import { type Log, silentLog } from '../shared/log';
import type { ConnectionStore } from '../store/connections';
import type { TokenCipher } from '../store/token-cipher';
import { type StoredTokens, type TokenProviderName, type TokenStore, TokenVersionConflict } from '../store/token-store';

export interface RefreshedTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: number;
  refreshTokenExpiresAt?: number;
}

/** The provider's token endpoint. An `invalid_grant` answer is an AuthError with code `invalid_grant`. */
export interface TokenRefresher {
  refresh(refreshToken: string): Promise<RefreshedTokens>;
}

/** The plaintext inside the KMS ciphertext. */
export const TokenPayload = z.union([
  z.object({
    kind: z.literal('oauth'),
    accessToken: z.string().check(z.minLength(1)),
    refreshToken: z.string().check(z.minLength(1)),
  }),
  z.object({ kind: z.literal('api-token'), apiToken: z.string().check(z.minLength(1)) }),
]);
export type TokenPayload = z.infer<typeof TokenPayload>;

export interface TokenLifecycleOptions {
  realmId: string;
  provider: TokenProviderName;
  store: TokenStore;
  cipher: TokenCipher;
  refresher: TokenRefresher;
  connections: ConnectionStore;
  now?: () => number;
  /** Refresh when the access token has less than this left (decision 9: 5 min). */
  refreshMarginMs?: number;
  /** How long a refresh lease lasts; longer than the token endpoint's timeout. */
  leaseTtlMs?: number;
  /** How long to wait for another holder's refresh before giving up (transient). */
  maxWaitMs?: number;
  /** Pause between looks at a lease someone else holds. */
  pause?: (ms: number) => Promise<void>;
  log?: Log;
  /** Called once per refresh this process performed and stored (the TokenRefreshes metric). */
  onRefreshed?: (provider: TokenProviderName) => void;
  /** Identifies this process in the lease. */
  owner?: string;
}

/** Raised when the connection needs a person to reconnect it. */
export class NeedsReauthError extends AuthError {}

function isInvalidGrant(error: unknown): boolean {
  return error instanceof AuthError && error.code === 'invalid_grant';
}

/**
 * One connection's credentials for one provider: the access token is used until shortly before
 * it expires; refreshing is single-flight across every container (a DynamoDB lease) and within
 * this one (a shared promise). The winner stores access and refresh token together before anyone
 * uses them; the others wait and re-read. A genuine `invalid_grant` marks the connection
 * `needs_reauth` and leaves the stored tokens as they were.
 */
export class TokenLifecycle {
  private readonly now: () => number;
  private readonly owner: string;
  private readonly log: Log;
  private inFlight: Promise<string> | undefined;

  constructor(private readonly options: TokenLifecycleOptions) {
    this.now = options.now ?? Date.now;
    this.owner = options.owner ?? randomUUID();
    this.log = options.log ?? silentLog;
  }

  /** A usable access token (API token for Pipedrive API-token connections). */
  async accessToken(): Promise<string> {
    const stored = await this.read();
    const payload = await this.decrypt(stored);
    if (payload.kind === 'api-token') return payload.apiToken;
    if (this.fresh(stored)) return payload.accessToken;
    return this.refresh(undefined);
  }

  /** After the API refused `rejected` (401): a different token, refreshing only if nobody already did. */
  async refreshAfterRejection(rejected: string): Promise<string> {
    const stored = await this.read();
    const payload = await this.decrypt(stored);
    if (payload.kind === 'api-token') {
      throw new NeedsReauthError('the stored API token was refused', {
        system: this.options.provider,
        code: 'invalid_token',
      });
    }
    if (payload.accessToken !== rejected && this.fresh(stored)) return payload.accessToken;
    return this.refresh(rejected);
  }

  /** Refreshes now, whatever the expiry (token upkeep keeps idle refresh tokens alive this way). */
  async forceRefresh(): Promise<void> {
    const payload = await this.decrypt(await this.read());
    if (payload.kind === 'oauth') await this.refresh(payload.accessToken);
  }

  private refresh(rejected: string | undefined): Promise<string> {
    this.inFlight ??= this.refreshAcrossContainers(rejected).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async refreshAcrossContainers(rejected: string | undefined): Promise<string> {
    const { store, realmId, provider } = this.options;
    const deadline = this.now() + (this.options.maxWaitMs ?? 20_000);
    for (let look = 0; ; look++) {
      const stored = await this.read();
      const payload = await this.oauthPayload(stored);
      if (this.fresh(stored) && payload.accessToken !== rejected) return payload.accessToken;
      if (await store.acquireLease(realmId, provider, this.owner, this.now(), this.options.leaseTtlMs ?? 15_000)) {
        return this.refreshUnderLease(rejected);
      }
      if (this.now() > deadline) {
        throw new TransientError(`timed out waiting for another refresh of ${provider} tokens`, { system: provider });
      }
      // Someone else is refreshing: look again shortly (jittered), then use what they stored.
      await (this.options.pause ?? delay)(50 + Math.floor(Math.random() * 100) + Math.min(look, 10) * 20);
    }
  }

  private async refreshUnderLease(rejected: string | undefined): Promise<string> {
    const { store, realmId, provider, cipher, refresher } = this.options;
    let released = false;
    try {
      // Double-check under the lease: another container may have refreshed just before we took it.
      let stored = await this.read();
      let payload = await this.oauthPayload(stored);
      if (this.fresh(stored) && payload.accessToken !== rejected) return payload.accessToken;

      let refreshed: RefreshedTokens;
      try {
        refreshed = await refresher.refresh(payload.refreshToken);
      } catch (error) {
        if (!isInvalidGrant(error)) throw error;
        // The refresh token may have been rotated by someone whose lease ran out: re-read and retry once.
        const again = await this.read();
        if (again.version === stored.version)
          return await this.needsReauth('the refresh token was refused (invalid_grant)');
        stored = again;
        payload = await this.oauthPayload(stored);
        if (this.fresh(stored) && payload.accessToken !== rejected) return payload.accessToken;
        try {
          refreshed = await refresher.refresh(payload.refreshToken);
        } catch (retryError) {
          if (isInvalidGrant(retryError))
            return await this.needsReauth('the refresh token was refused twice (invalid_grant)');
          throw retryError;
        }
      }

      const ciphertext = await cipher.encrypt(
        JSON.stringify({
          kind: 'oauth',
          accessToken: refreshed.accessToken,
          refreshToken: refreshed.refreshToken,
        } satisfies TokenPayload),
        { connection: realmId, provider },
      );
      try {
        // Stored (access and refresh together) before the new access token is used.
        await store.saveRefreshed(
          realmId,
          provider,
          {
            ciphertext,
            accessTokenExpiresAt: refreshed.accessTokenExpiresAt,
            ...(refreshed.refreshTokenExpiresAt !== undefined
              ? { refreshTokenExpiresAt: refreshed.refreshTokenExpiresAt }
              : {}),
          },
          stored.version,
          this.now(),
        );
        released = true;
      } catch (error) {
        if (error instanceof TokenVersionConflict) {
          this.log.error('refreshed tokens could not be stored: another writer changed them', { realmId, provider });
        }
        throw error;
      }
      this.log.info('tokens refreshed', { realmId, provider });
      this.options.onRefreshed?.(provider);
      return refreshed.accessToken;
    } finally {
      if (!released) await store.releaseLease(realmId, provider, this.owner);
    }
  }

  private async needsReauth(reason: string): Promise<never> {
    const { connections, realmId, provider } = this.options;
    await connections.setStatus(realmId, 'needs_reauth', this.now(), `${provider}: ${reason}`);
    this.log.warn('connection needs to be reconnected', { realmId, provider, reason });
    throw new NeedsReauthError(`${provider} connection ${realmId} needs to be reconnected: ${reason}`, {
      system: provider,
      code: 'invalid_grant',
    });
  }

  private fresh(stored: StoredTokens): boolean {
    return (
      stored.accessTokenExpiresAt === undefined ||
      stored.accessTokenExpiresAt - this.now() > (this.options.refreshMarginMs ?? 5 * 60_000)
    );
  }

  private async read(): Promise<StoredTokens> {
    const stored = await this.options.store.read(this.options.realmId, this.options.provider);
    if (!stored) {
      throw new NeedsReauthError(`no ${this.options.provider} tokens stored for ${this.options.realmId}`, {
        system: this.options.provider,
        code: 'not_connected',
      });
    }
    return stored;
  }

  private async decrypt(stored: StoredTokens): Promise<TokenPayload> {
    const plaintext = await this.options.cipher.decrypt(stored.ciphertext, {
      connection: this.options.realmId,
      provider: this.options.provider,
    });
    return TokenPayload.parse(JSON.parse(plaintext));
  }

  private async oauthPayload(stored: StoredTokens): Promise<Extract<TokenPayload, { kind: 'oauth' }>> {
    const payload = await this.decrypt(stored);
    if (payload.kind !== 'oauth')
      throw new NeedsReauthError('an API token cannot be refreshed', { system: this.options.provider });
    return payload;
  }
}

/** Encrypts and stores tokens from a fresh authorization (OAuth callback, `connect --api-token`). */
export async function storeNewTokens(
  deps: { store: TokenStore; cipher: TokenCipher },
  realmId: string,
  provider: TokenProviderName,
  payload: TokenPayload,
  expiry: { accessTokenExpiresAt?: number; refreshTokenExpiresAt?: number },
  now: number,
): Promise<void> {
  const ciphertext = await deps.cipher.encrypt(JSON.stringify(payload), { connection: realmId, provider });
  await deps.store.replace(realmId, provider, { ciphertext, ...expiry }, now);
}
