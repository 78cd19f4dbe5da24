import { randomBytes } from 'node:crypto';
import { PipedriveOAuthClient, type PipedriveOAuthConfig } from '../pipedrive/oauth-client';
import { QuickBooksClient } from '../quickbooks/client';
import { QuickBooksOAuthClient, type QuickBooksOAuthConfig } from '../quickbooks/oauth-client';
import type { ConnectionChange } from '../store/connection-changes';
import { ConnectionStore, type PipedrivePlan } from '../store/connections';
import { OneTimeMarks } from '../store/one-time-marks';
import { OAuthStateStore, type OAuthProvider, type StoredState } from '../store/oauth-state-store';
import type { Table } from '../store/table';
import type { TokenCipher } from '../store/token-cipher';
import { storeNewTokens } from './token-lifecycle';
import { TokenStore } from '../store/token-store';
import type { MessageQueue } from '../sync/sync-message';
import { isConnectorError } from '../shared/errors';
import { verifyLinkToken } from './connection-links';
import { ConnectionGuard } from './connection-guard';
import { type OAuthOutcome, page } from './oauth-outcome';
import type { Log } from '../shared/log';
import type { WebhookRegistration } from './pipedrive-webhooks';
import { pipedriveCompanyNumber } from './pipedrive-company-number';

/** How long a used authorization code's hash is kept: far beyond any code's life (Intuit's: minutes). */
const CODE_MARK_TTL_MS = 24 * 3_600_000;

export interface OAuthFlowConfig {
  qboApiBaseUrl: string;
  qbo: QuickBooksOAuthConfig;
  pipedrive: PipedriveOAuthConfig | undefined;
  /** The plan and seats of the Pipedrive company (its API does not say), from the deployment's settings. */
  pipedrivePlan: PipedrivePlan;
  pipedriveSeats: number;
  stateTtlMs: number;
  /**
   * The key connection links are signed with (the OAUTH_START_TOKEN secret), read on each start so a
   * rotation takes effect as soon as the secret cache expires. Without one, no link opens (fail closed).
   */
  linkKey: () => Promise<string | undefined>;
  /** Told of every change of what a connection is tied to (the handler counts it: an alarm watches). */
  onConnectionChanged?: (change: ConnectionChange) => void;
  /** Hosts besides `*.pipedrive.com` an API-token connection may name (the local sandbox); empty in production. */
  pipedriveAllowHosts?: readonly string[];
  /**
   * Registers the connection's organization webhook once Pipedrive is connected (decision 63);
   * absent when webhooks are off. Never throws: a refusal is reported, the connection stands.
   */
  registerWebhook?: (realmId: string) => Promise<WebhookRegistration>;
}

/**
 * The authorization-code flows (docs/architecture.md#connect-and-token-refresh): a one-time `state`, exact redirect URIs, each code
 * exchanged once, tokens encrypted and stored, the QBO realm checked against what the token can
 * read, Pipedrive's `api_domain` checked by its client. Connecting QBO creates the connection;
 * reconnecting also sends back the work parked while it was broken.
 */
export class OAuthFlow {
  private readonly states: OAuthStateStore;
  private readonly connections: ConnectionStore;
  private readonly tokens: TokenStore;
  private readonly marks: OneTimeMarks;
  private readonly guard: ConnectionGuard;

  constructor(
    table: Table,
    private readonly cipher: TokenCipher,
    queue: MessageQueue,
    private readonly config: OAuthFlowConfig,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {
    this.states = new OAuthStateStore(table);
    this.connections = new ConnectionStore(table);
    this.tokens = new TokenStore(table);
    this.marks = new OneTimeMarks(table);
    this.guard = new ConnectionGuard(table, queue, config, log, now);
  }

  /**
   * Opens a connection link (decision 39): the signature first, then expiry, then the nonce is spent
   * (a conditional write), so each link starts one consent, once. The realm and `replace` come from
   * the signed link, never from the query.
   */
  async start(provider: OAuthProvider, link: string | undefined): Promise<OAuthOutcome> {
    const key = await this.config.linkKey();
    const check = key ? verifyLinkToken(key, link, this.now()) : { ok: false as const, reason: 'invalid' as const };
    if (!check.ok && check.reason === 'expired')
      return page(
        410,
        'This connection link has expired',
        'Links work for a few minutes only. Ask the operator for a new one (ml-connector connect).',
      );
    if (!check.ok || check.claims.provider !== provider) {
      return page(
        403,
        'This connection link is not valid',
        'Ask the operator of this ml-connector deployment for a connection link (ml-connector connect).',
      );
    }
    const { claims } = check;
    if (provider === 'pipedrive' && !this.config.pipedrive)
      return page(400, 'Pipedrive OAuth is not configured', 'Connect Pipedrive with an API token instead.');
    if (provider === 'pipedrive' && (claims.realmId === undefined || !(await this.connections.get(claims.realmId)))) {
      return page(
        400,
        'Connect QuickBooks first',
        'Pipedrive is connected to a QuickBooks company: start from its connection (realmId).',
      );
    }
    if (!(await this.marks.claim('link-nonce', claims.nonce, this.now(), claims.exp)))
      return page(
        410,
        'This connection link was already used',
        'Each link works once. Ask the operator for a new one (ml-connector connect).',
      );
    const state = randomBytes(24).toString('base64url');
    await this.states.create(
      state,
      {
        provider,
        createdAt: this.now(),
        replace: claims.replace,
        linkNonce: claims.nonce,
        ...(claims.realmId ? { realmId: claims.realmId } : {}),
      },
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
    if (provider === 'quickbooks' && state.realmId && query.realmId !== state.realmId && !state.replace)
      return page(
        409,
        'This link is for another QuickBooks company',
        `It reconnects QuickBooks company ${state.realmId}. To connect a different one, the operator mints a link with --replace.`,
      );
    // Decision 39: a second exchange of a code revokes what the first one issued (Intuit), so a code is
    // exchanged at most once, whatever state it arrives with.
    if (
      !(await this.marks.claim('oauth-code', `${provider}\n${query.code}`, this.now(), this.now() + CODE_MARK_TTL_MS))
    )
      return page(400, 'This authorization was already used', 'Nothing was changed. Start the connection again.');
    try {
      return provider === 'quickbooks'
        ? await this.connectQuickBooks(query.code, query.realmId, state)
        : await this.connectPipedrive(query.code, state);
    } catch (error) {
      this.log.error('connection failed', { provider, kind: isConnectorError(error) ? error.kind : 'unknown' });
      return page(
        502,
        'The connection could not be completed',
        `${provider === 'quickbooks' ? 'QuickBooks' : 'Pipedrive'} did not accept it. Start the connection again.`,
      );
    }
  }

  private async connectQuickBooks(
    code: string,
    realmId: string | undefined,
    state: StoredState,
  ): Promise<OAuthOutcome> {
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
    if (state.realmId && state.realmId !== realmId)
      await this.guard.recordChange({
        realmId,
        at: this.now(),
        change: 'quickbooks-realm',
        from: state.realmId,
        to: realmId,
        ...(state.linkNonce ? { linkNonce: state.linkNonce } : {}),
      });
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
    const released = await this.guard.releaseParked(realmId);
    this.log.info('QuickBooks connected', { realmId, reconnected: existing !== undefined, released });
    const next = existing?.pipedrive ? 'Syncing resumes now.' : 'Next, connect Pipedrive.';
    return page(
      200,
      `QuickBooks company “${companyName}” is connected`,
      `${next}${released > 0 ? ` ${released} waiting changes were sent again.` : ''}`,
      realmId,
    );
  }

  private async connectPipedrive(code: string, state: StoredState): Promise<OAuthOutcome> {
    const { realmId } = state;
    const connection = realmId ? await this.connections.get(realmId) : undefined;
    if (!realmId || !connection)
      return page(
        400,
        'Connect QuickBooks first',
        'This Pipedrive authorization is not tied to a QuickBooks connection.',
      );
    const tokens = await this.pipedriveClient().exchangeCode(code);
    // The company's own origin identifies it: the budget ledger is shared by everything writing there.
    const companyId = new URL(tokens.apiDomain).host;
    const refused = await this.guard.guardCompanyChange(connection, companyId, state.replace ?? false, state.linkNonce);
    if (refused) return refused;
    await storeNewTokens(
      { store: this.tokens, cipher: this.cipher },
      realmId,
      'pipedrive',
      { kind: 'oauth', accessToken: tokens.accessToken, refreshToken: tokens.refreshToken },
      { accessTokenExpiresAt: tokens.accessTokenExpiresAt, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt },
      this.now(),
    );
    const companyNumber = await pipedriveCompanyNumber(tokens, {
      allowHosts: [...(this.config.pipedriveAllowHosts ?? []), ...(this.config.pipedrive?.allowApiHosts ?? [])],
      timeoutMs: this.config.qbo.timeoutMs,
      log: this.log,
    });
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
    const released = await this.guard.resumePipedrive(realmId);
    const sharedWith = await this.guard.realmsWritingInto(companyId, realmId);
    const webhook = await this.config.registerWebhook?.(realmId);
    this.log.info('Pipedrive connected', { realmId, companyId, released, sharedWith: sharedWith.length });
    return page(
      200,
      'Pipedrive is connected',
      `Customers of QuickBooks company ${realmId} will appear in ${companyId}.${webhook && !webhook.registered ? ` No Pipedrive webhook: ${webhook.reason}.` : ''}${
        sharedWith.length > 0
          ? ` This Pipedrive company also receives the customers of QuickBooks ${sharedWith.map((r) => r.companyName ?? r.realmId).join(', ')}: each keeps its own organizations, and they share one daily budget.`
          : ''
      }`,
      realmId,
    );
  }

  private pipedriveClient(): PipedriveOAuthClient {
    if (!this.config.pipedrive) throw new Error('Pipedrive OAuth is not configured');
    return new PipedriveOAuthClient(this.config.pipedrive, fetch, this.now);
  }
}
