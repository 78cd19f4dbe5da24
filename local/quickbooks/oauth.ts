import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxClock } from '../shared/clock';
import type { Counters } from '../shared/counters';
import {
  formBody,
  header,
  html,
  json,
  jsonBody,
  redirect,
  type SandboxRequest,
  type SandboxResponse,
} from '../shared/http';
import { OpenIdProvider } from './openid';

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  /** Registered redirect URIs; an authorize request must name one of them exactly. */
  redirectUris: string[];
}

export interface OAuthOptions {
  /** Access-token lifetime (FACTS §1.5: 3600 s). */
  accessTokenTtlSeconds: number;
  /** Rolling refresh-token lifetime, as `x_refresh_token_expires_in` reports it (reference body: 8,726,400 s). */
  refreshTokenTtlSeconds: number;
  /** A refresh this long after the current refresh token was issued returns a new one (FACTS §1.6: ~24 h). */
  rotationPeriodMs: number;
  /** How long a superseded refresh token still works. Default 0: sources conflict, and dying at once is the safe assumption. */
  supersededGraceMs: number;
  /** Absolute refresh-token lifetime since the connection was made (FACTS §1.6: 5 years). */
  hardExpirySeconds: number;
  /** Authorization-code lifetime (unverified at Intuit; kept short). */
  codeTtlMs: number;
  /** Expire an access token after this many API calls (chaos testing); unlimited when absent. */
  accessTokenMaxUses?: number;
}

export const DEFAULT_OAUTH_OPTIONS: OAuthOptions = {
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 8_726_400,
  rotationPeriodMs: 24 * 3600 * 1000,
  supersededGraceMs: 0,
  hardExpirySeconds: 5 * 365 * 86_400,
  codeTtlMs: 5 * 60 * 1000,
};

const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

interface AuthorizationCode {
  realmId: string;
  redirectUri: string;
  scope: string;
  expiresAt: number;
  used: boolean;
  /** The connection its exchange created; revoked if the code is presented again. */
  familyId?: string;
}

interface TokenFamily {
  realmId: string;
  createdAt: number;
  revoked: boolean;
  /** The scopes consented to, space-separated (userinfo answers only with `openid`). */
  scope: string;
}

interface RefreshTokenState {
  familyId: string;
  issuedAt: number;
  expiresAt: number;
  supersededAt?: number;
}

interface AccessTokenState {
  familyId: string;
  realmId: string;
  expiresAt: number;
  uses: number;
}

export type AccessCheck =
  { ok: true } | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'wrong-realm'; detail: string };

/**
 * Intuit's OAuth 2.0 server as FACTS §1 describes it: authorization codes that work once,
 * one-hour access tokens, refresh tokens that rotate and whose predecessors then die with
 * `invalid_grant`, a rolling expiry and a hard cap.
 */
export class IntuitOAuthServer {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly families = new Map<string, TokenFamily>();
  private readonly refreshTokens = new Map<string, RefreshTokenState>();
  private readonly accessTokens = new Map<string, AccessTokenState>();
  /** The realm the sandbox user consents for; `undefined` makes the user decline. */
  consentRealm: () => string | undefined;
  options: OAuthOptions;
  /** Signs id_tokens and answers JWKS and userinfo. */
  readonly openId = new OpenIdProvider();

  constructor(
    readonly app: OAuthApp,
    private readonly clock: SandboxClock,
    private readonly counters: Counters,
    consentRealm: () => string | undefined,
    options: Partial<OAuthOptions> = {},
  ) {
    this.consentRealm = consentRealm;
    this.options = { ...DEFAULT_OAUTH_OPTIONS, ...options };
  }

  /** `GET /connect/oauth2`: the sandbox user consents at once and is sent back with code, state and realmId. */
  authorize(request: SandboxRequest): SandboxResponse {
    const query = request.query;
    if (query.get('client_id') !== this.app.clientId)
      return html(400, errorPage('invalid_client', 'Unknown client_id.'));
    const redirectUri = query.get('redirect_uri') ?? '';
    // Never redirect to an unregistered URI: that is how codes get stolen.
    if (!this.app.redirectUris.includes(redirectUri)) {
      return html(
        400,
        errorPage('invalid_request', 'The redirect_uri does not match a redirect URI registered for this app.'),
      );
    }
    const back = new URL(redirectUri);
    const state = query.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const scope = query.get('scope') ?? '';
    if (query.get('response_type') !== 'code') return redirect(withError(back, 'unsupported_response_type'));
    if (!scope.split(/\s+/).includes(ACCOUNTING_SCOPE)) return redirect(withError(back, 'invalid_scope'));
    const realmId = this.consentRealm();
    if (realmId === undefined) return redirect(withError(back, 'access_denied'));
    const code = `AB1${randomToken(40)}`;
    this.codes.set(code, {
      realmId,
      redirectUri,
      scope,
      expiresAt: this.clock.now() + this.options.codeTtlMs,
      used: false,
    });
    back.searchParams.set('code', code);
    back.searchParams.set('realmId', realmId);
    return redirect(back.toString());
  }

  /** `POST /oauth2/v1/tokens/bearer` */
  token(request: SandboxRequest): SandboxResponse {
    const tid = transactionId();
    if (!this.clientAuthenticated(request)) return json(401, { error: 'invalid_client' }, { intuit_tid: tid });
    const form = formBody(request);
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') return this.exchangeCode(form, request, tid);
    if (grantType === 'refresh_token') return this.refresh(form, request, tid);
    return json(400, { error: 'unsupported_grant_type' }, { intuit_tid: tid });
  }

  /** `POST /v2/oauth2/tokens/revoke` with `{"token": …}` (JSON, or form as node-quickbooks sends it). Revokes the whole connection. */
  revoke(request: SandboxRequest): SandboxResponse {
    const tid = transactionId();
    if (!this.clientAuthenticated(request)) return json(401, { error: 'invalid_client' }, { intuit_tid: tid });
    const body = jsonBody(request);
    const token =
      typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string'
        ? body.token
        : formBody(request).get('token');
    if (!token) return json(400, { error: 'invalid_request' }, { intuit_tid: tid });
    const familyId = this.refreshTokens.get(token)?.familyId ?? this.accessTokens.get(token)?.familyId;
    if (familyId !== undefined) this.revokeFamily(familyId);
    // The revoke response body is unverified (FACTS §1.4); an empty 200 is what clients must accept.
    return { status: 200, headers: { intuit_tid: tid } };
  }

  /** Checks a bearer token for an API call against `realmId`, counting the use. */
  checkAccess(authorization: string | undefined, realmId: string): AccessCheck {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1])
      return { ok: false, reason: 'missing', detail: 'Authorization header missing or not a Bearer token' };
    const token = this.accessTokens.get(match[1]);
    if (!token) return { ok: false, reason: 'invalid', detail: 'Token invalid' };
    const family = this.families.get(token.familyId);
    const maxUses = this.options.accessTokenMaxUses;
    if (!family || family.revoked) return { ok: false, reason: 'invalid', detail: 'Token revoked' };
    if (this.clock.now() >= token.expiresAt || (maxUses !== undefined && token.uses >= maxUses)) {
      return { ok: false, reason: 'expired', detail: `Token expired: ${token.familyId.slice(0, 12)}` };
    }
    if (token.realmId !== realmId)
      return { ok: false, reason: 'wrong-realm', detail: 'The token was not issued for this company' };
    token.uses += 1;
    return { ok: true };
  }

  /**
   * `GET /v1/openid_connect/userinfo` with the access token. The body for a token without the
   * `openid` scope is unverified; a 403 `insufficient_scope` is the harder answer.
   */
  userInfo(request: SandboxRequest): SandboxResponse {
    const tid = transactionId();
    const match = /^Bearer\s+(\S+)$/i.exec(header(request, 'authorization') ?? '');
    const token = match?.[1] ? this.accessTokens.get(match[1]) : undefined;
    const family = token ? this.families.get(token.familyId) : undefined;
    if (!token || !family || family.revoked || this.clock.now() >= token.expiresAt) {
      return json(
        401,
        { error: 'invalid_token' },
        { intuit_tid: tid, 'www-authenticate': 'Bearer error="invalid_token"' },
      );
    }
    const scopes = family.scope.split(/\s+/);
    if (!scopes.includes('openid')) return json(403, { error: 'insufficient_scope' }, { intuit_tid: tid });
    return json(200, this.openId.userInfo(scopes), { intuit_tid: tid });
  }

  reset(): void {
    this.codes.clear();
    this.families.clear();
    this.refreshTokens.clear();
    this.accessTokens.clear();
  }

  /** Every code and token this server ever issued, so a chaos run can prove none reached a log. */
  issuedSecrets(): string[] {
    return [...this.codes.keys(), ...this.refreshTokens.keys(), ...this.accessTokens.keys()];
  }

  /** Expires every access token now (tests of the 401 → refresh → retry path). */
  expireAccessTokens(): void {
    const now = this.clock.now();
    for (const token of this.accessTokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  /** Revokes every connection of a realm (a user disconnecting the app in QBO). */
  revokeRealm(realmId: string): void {
    for (const [id, family] of this.families) if (family.realmId === realmId) this.revokeFamily(id);
  }

  /** Issues tokens for a realm without the browser dance (seeding a connected state). */
  issueForRealm(realmId: string): { access_token: string; refresh_token: string; realmId: string } {
    const familyId = randomUUID();
    this.families.set(familyId, { realmId, createdAt: this.clock.now(), revoked: false, scope: ACCOUNTING_SCOPE });
    const refreshToken = this.newRefreshToken(familyId);
    return { access_token: this.newAccessToken(familyId, realmId), refresh_token: refreshToken, realmId };
  }

  private exchangeCode(form: URLSearchParams, request: SandboxRequest, tid: string): SandboxResponse {
    const code = this.codes.get(form.get('code') ?? '');
    if (!code) return this.invalidGrant(tid, undefined);
    if (code.used) {
      // Intuit treats a second exchange of one code as an attack and invalidates what the first issued.
      if (code.familyId !== undefined) this.revokeFamily(code.familyId);
      return this.invalidGrant(tid, code.realmId);
    }
    code.used = true;
    if (this.clock.now() >= code.expiresAt || form.get('redirect_uri') !== code.redirectUri)
      return this.invalidGrant(tid, code.realmId);
    const familyId = randomUUID();
    code.familyId = familyId;
    this.families.set(familyId, {
      realmId: code.realmId,
      createdAt: this.clock.now(),
      revoked: false,
      scope: code.scope,
    });
    this.counters.increment('oauth.code_exchanges', code.realmId);
    const refreshToken = this.newRefreshToken(familyId);
    return this.tokenResponse(
      familyId,
      code.realmId,
      refreshToken,
      code.scope.split(/\s+/).includes('openid'),
      request,
      tid,
    );
  }

  private refresh(form: URLSearchParams, request: SandboxRequest, tid: string): SandboxResponse {
    const presented = form.get('refresh_token') ?? '';
    const state = this.refreshTokens.get(presented);
    const family = state ? this.families.get(state.familyId) : undefined;
    const now = this.clock.now();
    if (!state || !family) return this.invalidGrant(tid, undefined);
    const superseded = state.supersededAt !== undefined && now >= state.supersededAt + this.options.supersededGraceMs;
    const hardExpired = now >= family.createdAt + this.options.hardExpirySeconds * 1000;
    if (family.revoked || superseded || now >= state.expiresAt || hardExpired)
      return this.invalidGrant(tid, family.realmId);
    this.counters.increment('oauth.refreshes', family.realmId);
    let current = presented;
    if (now - state.issuedAt >= this.options.rotationPeriodMs) {
      current = this.newRefreshToken(state.familyId);
      for (const other of this.refreshTokens.values()) {
        if (other.familyId === state.familyId && other !== this.refreshTokens.get(current)) other.supersededAt ??= now;
      }
      this.counters.increment('oauth.rotations', family.realmId);
    } else {
      state.expiresAt = now + this.options.refreshTokenTtlSeconds * 1000;
    }
    return this.tokenResponse(state.familyId, family.realmId, current, false, request, tid);
  }

  private tokenResponse(
    familyId: string,
    realmId: string,
    refreshToken: string,
    openid: boolean,
    request: SandboxRequest,
    tid: string,
  ): SandboxResponse {
    const refreshState = this.refreshTokens.get(refreshToken);
    const family = this.families.get(familyId);
    const now = this.clock.now();
    const body: Record<string, string | number> = {
      access_token: this.newAccessToken(familyId, realmId),
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: this.options.accessTokenTtlSeconds,
      x_refresh_token_expires_in: Math.max(0, Math.floor(((refreshState?.expiresAt ?? now) - now) / 1000)),
    };
    if (header(request, 'x-include-refresh-token-hard-expires-in') === 'true' && family) {
      body.x_refresh_token_hard_expires_in = Math.floor(
        (family.createdAt + this.options.hardExpirySeconds * 1000 - now) / 1000,
      );
    }
    if (openid)
      body.id_token = this.openId.idToken(this.app.clientId, realmId, now, this.options.accessTokenTtlSeconds);
    return json(200, body, { intuit_tid: tid });
  }

  private newAccessToken(familyId: string, realmId: string): string {
    const value = `eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..${randomToken(86)}`;
    this.accessTokens.set(value, {
      familyId,
      realmId,
      expiresAt: this.clock.now() + this.options.accessTokenTtlSeconds * 1000,
      uses: 0,
    });
    return value;
  }

  private newRefreshToken(familyId: string): string {
    const now = this.clock.now();
    const value = `RT1-${Math.floor(Math.random() * 250)}-H0-${Math.floor(now / 1000) + this.options.refreshTokenTtlSeconds}${randomToken(20).toLowerCase()}`;
    this.refreshTokens.set(value, {
      familyId,
      issuedAt: now,
      expiresAt: now + this.options.refreshTokenTtlSeconds * 1000,
    });
    return value;
  }

  private revokeFamily(familyId: string): void {
    const family = this.families.get(familyId);
    if (family) family.revoked = true;
  }

  private invalidGrant(tid: string, realmId: string | undefined): SandboxResponse {
    this.counters.increment('oauth.invalid_grant', realmId ?? '*');
    return json(400, { error_description: 'Token invalid', error: 'invalid_grant' }, { intuit_tid: tid });
  }

  private clientAuthenticated(request: SandboxRequest): boolean {
    const match = /^Basic\s+(\S+)$/i.exec(header(request, 'authorization') ?? '');
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    return decoded.slice(0, separator) === this.app.clientId && decoded.slice(separator + 1) === this.app.clientSecret;
  }
}

function randomToken(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

export function transactionId(): string {
  return `1-${randomBytes(4).toString('hex')}-${randomBytes(12).toString('hex')}`;
}

function withError(back: URL, error: string): string {
  back.searchParams.set('error', error);
  return back.toString();
}

function errorPage(error: string, message: string): string {
  return `<!doctype html><title>Intuit sandbox: ${error}</title><h1>${error}</h1><p>${message}</p>`;
}
