import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { assertPipedriveApiDomain } from '../pipedrive/api-domain';
import { PipedriveClient } from '../pipedrive/client';
import { PipedriveOAuthClient, type PipedriveOAuthConfig } from '../pipedrive/oauth-client';
import { QuickBooksClient } from '../quickbooks/client';
import { QuickBooksOAuthClient, type QuickBooksOAuthConfig } from '../quickbooks/oauth-client';
import { ConnectionStore, type PipedrivePlan } from '../store/connections';
import { OAuthStateStore, type OAuthProvider } from '../store/oauth-state-store';
import { ParkingStore } from '../store/parking-store';
import type { Table } from '../store/table';
import type { TokenCipher } from '../store/token-cipher';
import { storeNewTokens } from '../store/token-lifecycle';
import { TokenStore } from '../store/token-store';
import { type MessageQueue, queued } from '../sync/sync-message';
import { isConnectorError, PermanentError } from './errors';
import type { Log } from './log';

export interface OAuthFlowConfig {
  qboApiBaseUrl: string;
  qbo: QuickBooksOAuthConfig;
  pipedrive: PipedriveOAuthConfig | undefined;
  /** The plan and seats of the Pipedrive company (its API does not say), from the deployment's settings. */
  pipedrivePlan: PipedrivePlan;
  pipedriveSeats: number;
  stateTtlMs: number;
  /**
   * The operator's start token: without it in the start URL nobody can connect a company to this
   * deployment (the routes are public). Undefined only in the local stack.
   */
  startToken: string | undefined;
  /** Hosts besides `*.pipedrive.com` an API-token connection may name (the local sandbox); empty in production. */
  pipedriveAllowHosts?: readonly string[];
}

export interface OAuthOutcome {
  status: 200 | 302 | 400 | 403 | 502;
  location?: string;
  /** What the person sees (plain text; the handler renders it). */
  title: string;
  detail: string;
  realmId?: string;
}

/** Compares secrets in constant time (hashes first, so lengths do not leak either). */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

const page = (status: OAuthOutcome['status'], title: string, detail: string, realmId?: string): OAuthOutcome => ({
  status,
  title,
  detail,
  ...(realmId ? { realmId } : {}),
});

/**
 * The authorization-code flows (ARCHITECTURE §2): a one-time `state`, exact redirect URIs, each code
 * exchanged once, tokens encrypted and stored, the QBO realm checked against what the token can
 * read, Pipedrive's `api_domain` checked by its client. Connecting QBO creates the connection;
 * reconnecting also sends back the work parked while it was broken.
 */
export class OAuthFlow {
  private readonly states: OAuthStateStore;
  private readonly connections: ConnectionStore;
  private readonly tokens: TokenStore;
  private readonly parking: ParkingStore;

  constructor(
    table: Table,
    private readonly cipher: TokenCipher,
    private readonly queue: MessageQueue,
    private readonly config: OAuthFlowConfig,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {
    this.states = new OAuthStateStore(table);
    this.connections = new ConnectionStore(table);
    this.tokens = new TokenStore(table);
    this.parking = new ParkingStore(table);
  }

  async start(provider: OAuthProvider, realmId: string | undefined, token?: string): Promise<OAuthOutcome> {
    if (this.config.startToken !== undefined && !sameSecret(token ?? '', this.config.startToken)) {
      return page(
        403,
        'This connection link is not valid',
        'Ask the operator of this ml-connector deployment for a connection link (ml-connector connect).',
      );
    }
    if (provider === 'pipedrive' && !this.config.pipedrive)
      return page(400, 'Pipedrive OAuth is not configured', 'Connect Pipedrive with an API token instead.');
    if (provider === 'pipedrive' && (realmId === undefined || !(await this.connections.get(realmId)))) {
      return page(
        400,
        'Connect QuickBooks first',
        'Pipedrive is connected to a QuickBooks company: start from its connection (realmId).',
      );
    }
    const state = randomBytes(24).toString('base64url');
    await this.states.create(
      state,
      { provider, createdAt: this.now(), ...(realmId ? { realmId } : {}) },
      this.config.stateTtlMs,
    );
    const location =
      provider === 'quickbooks'
        ? new QuickBooksOAuthClient(this.config.qbo).authorizeUrl(state)
        : this.pipedriveClient().authorizeUrl(state);
    return { status: 302, location, title: 'Redirecting', detail: '' };
  }

  async callback(provider: OAuthProvider, query: Record<string, string | undefined>): Promise<OAuthOutcome> {
    const state = query.state
      ? await this.states.consume(query.state, provider, this.now(), this.config.stateTtlMs)
      : undefined;
    if (query.error)
      return page(
        400,
        'Connection cancelled',
        `The authorization was not granted (${query.error}). Nothing was stored.`,
      );
    // Unknown, expired, replayed or forged: never exchange the code (Intuit kills tokens on a second exchange).
    if (!state) return page(400, 'This link has expired or was already used', 'Start the connection again.');
    if (!query.code) return page(400, 'No authorization code', 'Start the connection again.');
    try {
      return provider === 'quickbooks'
        ? await this.connectQuickBooks(query.code, query.realmId)
        : await this.connectPipedrive(query.code, state.realmId);
    } catch (error) {
      this.log.error('connection failed', { provider, kind: isConnectorError(error) ? error.kind : 'unknown' });
      return page(
        502,
        'The connection could not be completed',
        `${provider === 'quickbooks' ? 'QuickBooks' : 'Pipedrive'} did not accept it. Start the connection again.`,
      );
    }
  }

  private async connectQuickBooks(code: string, realmId: string | undefined): Promise<OAuthOutcome> {
    if (!realmId || !/^\d{1,32}$/.test(realmId))
      return page(400, 'No QuickBooks company', 'The callback did not name a company (realmId).');
    const oauth = new QuickBooksOAuthClient(this.config.qbo, fetch, this.now);
    const tokens = await oauth.exchangeCode(code);
    // The realmId comes from the URL: check the token can actually read that company before trusting it.
    const client = new QuickBooksClient(
      { apiBaseUrl: this.config.qboApiBaseUrl, realmId, timeoutMs: this.config.qbo.timeoutMs },
      {
        accessToken: () => Promise.resolve(tokens.accessToken),
        refreshAfterRejection: () => Promise.reject(new Error('no refresh during connect')),
      },
      fetch,
      this.now,
    );
    let companyName: string;
    try {
      companyName = (await client.companyInfo()).companyName;
    } catch {
      await oauth.revoke(tokens.refreshToken).catch(() => undefined);
      return page(
        400,
        'That QuickBooks company could not be verified',
        'The authorization does not grant access to the company named in the callback. Nothing was stored.',
      );
    }
    const existing = await this.connections.get(realmId);
    await this.connections.create(realmId, this.now(), companyName);
    await storeNewTokens(
      { store: this.tokens, cipher: this.cipher },
      realmId,
      'quickbooks',
      { kind: 'oauth', accessToken: tokens.accessToken, refreshToken: tokens.refreshToken },
      { accessTokenExpiresAt: tokens.accessTokenExpiresAt, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt },
      this.now(),
    );
    if (existing && existing.status !== 'active') await this.connections.setStatus(realmId, 'active', this.now());
    const released = await this.releaseParked(realmId);
    this.log.info('QuickBooks connected', { realmId, reconnected: existing !== undefined, released });
    const next = existing?.pipedrive ? 'Syncing resumes now.' : 'Next, connect Pipedrive.';
    return page(
      200,
      `QuickBooks company “${companyName}” is connected`,
      `${next}${released > 0 ? ` ${released} waiting changes were sent again.` : ''}`,
      realmId,
    );
  }

  /** Pipedrive's numeric company id, which its uninstall notice names (decision 32); undefined if `users/me` fails. */
  private async pipedriveCompanyNumber(tokens: {
    accessToken: string;
    apiDomain: string;
  }): Promise<number | undefined> {
    try {
      const me = await new PipedriveClient(
        {
          apiDomain: tokens.apiDomain,
          allowHosts: [...(this.config.pipedriveAllowHosts ?? []), ...(this.config.pipedrive?.allowApiHosts ?? [])],
          timeoutMs: this.config.qbo.timeoutMs,
        },
        {
          kind: 'oauth',
          tokens: {
            accessToken: () => Promise.resolve(tokens.accessToken),
            refreshAfterRejection: () => Promise.reject(new PermanentError('refused', { system: 'pipedrive' })),
          },
        },
        { run: (_operation, send) => send() },
      ).currentUser();
      return me.company_id;
    } catch (error) {
      this.log.warn('Pipedrive users/me failed; an uninstall notice will not find this connection', {
        kind: isConnectorError(error) ? error.kind : 'unknown',
      });
      return undefined;
    }
  }

  private async connectPipedrive(code: string, realmId: string | undefined): Promise<OAuthOutcome> {
    if (!realmId || !(await this.connections.get(realmId)))
      return page(
        400,
        'Connect QuickBooks first',
        'This Pipedrive authorization is not tied to a QuickBooks connection.',
      );
    const tokens = await this.pipedriveClient().exchangeCode(code);
    await storeNewTokens(
      { store: this.tokens, cipher: this.cipher },
      realmId,
      'pipedrive',
      { kind: 'oauth', accessToken: tokens.accessToken, refreshToken: tokens.refreshToken },
      { accessTokenExpiresAt: tokens.accessTokenExpiresAt, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt },
      this.now(),
    );
    // The company's own origin identifies it: the budget ledger is shared by everything writing there.
    const companyId = new URL(tokens.apiDomain).host;
    const companyNumber = await this.pipedriveCompanyNumber(tokens);
    await this.connections.setPipedrive(
      realmId,
      {
        companyId,
        apiDomain: tokens.apiDomain,
        plan: this.config.pipedrivePlan,
        seats: this.config.pipedriveSeats,
        auth: 'oauth',
        ...(companyNumber !== undefined ? { companyNumber } : {}),
      },
      this.now(),
    );
    const released = await this.releaseParked(realmId);
    this.log.info('Pipedrive connected', { realmId, companyId, released });
    return page(
      200,
      'Pipedrive is connected',
      `Customers of QuickBooks company ${realmId} will appear in ${companyId}.`,
      realmId,
    );
  }

  /**
   * Connects Pipedrive with a user's API token (`ml-connector connect pipedrive --api-token`): the token
   * is proved with `GET /v1/users/me` (2 tokens) before it is encrypted and stored. On Pipedrive
   * itself the company's own origin becomes the API domain, so the budget ledger is the one OAuth
   * connections of the same company share.
   */
  async connectPipedriveApiToken(
    realmId: string,
    apiToken: string,
    apiDomain = 'https://api.pipedrive.com',
  ): Promise<{ companyName: string; apiDomain: string; released: number }> {
    if (!(await this.connections.get(realmId)))
      throw new PermanentError(`connect QuickBooks company ${realmId} first`, { system: 'quickbooks' });
    const allowHosts = this.config.pipedriveAllowHosts ?? [];
    const origin = assertPipedriveApiDomain(apiDomain, { allowHosts });
    const me = await new PipedriveClient(
      { apiDomain: origin, allowHosts, timeoutMs: this.config.qbo.timeoutMs },
      { kind: 'api-token', apiToken },
      { run: (_operation, send) => send() },
    ).currentUser();
    const companyDomain = new URL(origin).host.endsWith('pipedrive.com')
      ? assertPipedriveApiDomain(`https://${me.company_domain}.pipedrive.com`, { allowHosts })
      : origin;
    await storeNewTokens(
      { store: this.tokens, cipher: this.cipher },
      realmId,
      'pipedrive',
      { kind: 'api-token', apiToken },
      {},
      this.now(),
    );
    await this.connections.setPipedrive(
      realmId,
      {
        companyId: new URL(companyDomain).host,
        apiDomain: companyDomain,
        plan: this.config.pipedrivePlan,
        seats: this.config.pipedriveSeats,
        auth: 'api-token',
      },
      this.now(),
    );
    const released = await this.releaseParked(realmId);
    this.log.info('Pipedrive connected with an API token', {
      realmId,
      companyId: new URL(companyDomain).host,
      released,
    });
    return { companyName: me.company_name, apiDomain: companyDomain, released };
  }

  private async releaseParked(realmId: string): Promise<number> {
    const parked = await this.parking.release(realmId);
    await this.queue.send(
      parked.map((message) => queued({ ...message, eventId: `${message.eventId}:unparked`, enqueuedAt: this.now() })),
    );
    return parked.length;
  }

  private pipedriveClient(): PipedriveOAuthClient {
    if (!this.config.pipedrive) throw new Error('Pipedrive OAuth is not configured');
    return new PipedriveOAuthClient(this.config.pipedrive, fetch, this.now);
  }
}
