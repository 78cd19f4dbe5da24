import * as z from '../shared/zod-mini';
import { AuthError, PermanentError, RateLimitedError, TransientError } from '../shared/errors';
import { type Fetch, type HttpResponse, parseJson, request } from '../shared/http';
import { intuitTid, QBO_THROTTLE_WAIT_MS } from './faults';

export interface QuickBooksOAuthConfig {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  timeoutMs: number;
}

export const QBO_ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

/** The token endpoint's success body (FACTS §1.5); unknown fields pass. */
const TokenResponse = z.looseObject({
  access_token: z.string().check(z.minLength(1)),
  refresh_token: z.string().check(z.minLength(1)),
  token_type: z.string(),
  expires_in: z.number().check(z.positive()),
  x_refresh_token_expires_in: z.number().check(z.positive()),
  x_refresh_token_hard_expires_in: z.optional(z.number().check(z.positive())),
});

const TokenError = z.looseObject({ error: z.string(), error_description: z.optional(z.string()) });

export interface QuickBooksTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  accessTokenExpiresAt: number;
  refreshTokenExpiresAt: number;
}

/** Raised when Intuit answers `invalid_grant`: the refresh token (or code) is dead or superseded. */
export class InvalidGrantError extends AuthError {}

/** Intuit's OAuth 2.0 authorization-code flow (FACTS §1). */
export class QuickBooksOAuthClient {
  constructor(
    private readonly config: QuickBooksOAuthConfig,
    private readonly fetchImpl: Fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  authorizeUrl(state: string): string {
    const url = new URL(this.config.authorizeUrl);
    url.search = new URLSearchParams({
      client_id: this.config.clientId,
      response_type: 'code',
      scope: QBO_ACCOUNTING_SCOPE,
      redirect_uri: this.config.redirectUri,
      state,
    }).toString();
    return url.toString();
  }

  /** Exchanges a code once: Intuit treats a second exchange as an attack (decision 40). */
  exchangeCode(code: string): Promise<QuickBooksTokens> {
    return this.tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: this.config.redirectUri });
  }

  refresh(refreshToken: string): Promise<QuickBooksTokens> {
    return this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async revoke(token: string): Promise<void> {
    const response = await request(this.fetchImpl, 'quickbooks', this.config.revokeUrl, {
      method: 'POST',
      headers: { authorization: this.basicAuth(), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token }),
      timeoutMs: this.config.timeoutMs,
    });
    if (response.status >= 400) throw this.failure(response);
  }

  private async tokenRequest(form: Record<string, string>): Promise<QuickBooksTokens> {
    const requestedAt = this.now();
    const response = await request(this.fetchImpl, 'quickbooks', this.config.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: this.basicAuth(),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams(form).toString(),
      timeoutMs: this.config.timeoutMs,
    });
    if (response.status !== 200) throw this.failure(response);
    const parsed = TokenResponse.safeParse(parseJson(response.text));
    if (!parsed.success) {
      // A 200 without tokens must never be stored as tokens (node-quickbooks #171 stored `undefined`).
      throw new TransientError('QuickBooks token endpoint answered 200 without tokens', {
        system: 'quickbooks',
        status: 200,
      });
    }
    return {
      accessToken: parsed.data.access_token,
      refreshToken: parsed.data.refresh_token,
      accessTokenExpiresAt: requestedAt + parsed.data.expires_in * 1000,
      refreshTokenExpiresAt: requestedAt + parsed.data.x_refresh_token_expires_in * 1000,
    };
  }

  private failure(response: HttpResponse): Error {
    const requestId = intuitTid(response);
    const details = {
      system: 'quickbooks' as const,
      status: response.status,
      ...(requestId !== undefined ? { requestId } : {}),
    };
    const error = TokenError.safeParse(parseJson(response.text));
    const code = error.success ? error.data.error : undefined;
    if (code === 'invalid_grant')
      return new InvalidGrantError('QuickBooks refused the grant (invalid_grant)', { ...details, code });
    if (code === 'invalid_client')
      return new PermanentError('QuickBooks refused the client credentials (invalid_client)', { ...details, code });
    // Refreshes have been answered 429 when an app's monthly CorePlus quota ran out (FACTS §1.7).
    if (response.status === 429)
      return new RateLimitedError('QuickBooks throttled the token request', {
        ...details,
        retryAfterMs: QBO_THROTTLE_WAIT_MS,
      });
    if (response.status >= 500)
      return new TransientError(`QuickBooks token endpoint failed (HTTP ${response.status})`, details);
    return new PermanentError(
      `QuickBooks token endpoint refused the request (HTTP ${response.status}${code ? `, ${code}` : ''})`,
      {
        ...details,
        ...(code !== undefined ? { code } : {}),
      },
    );
  }

  private basicAuth(): string {
    return `Basic ${Buffer.from(`${this.config.clientId}:${this.config.clientSecret}`).toString('base64')}`;
  }
}
