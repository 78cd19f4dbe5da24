import * as z from '../shared/zod-mini';
import {
  AuthError,
  type ConnectorErrorDetails,
  PermanentError,
  RateLimitedError,
  TransientError,
} from '../shared/errors';
import { type Fetch, type HttpResponse, parseJson, request } from '../shared/http';
import { assertPipedriveApiDomain } from './api-domain';
import { RATE_LIMIT_DEFAULT_WAIT_MS, retryAfterMs } from './faults';

export const PIPEDRIVE_OAUTH_ORIGIN = 'https://oauth.pipedrive.com';

export interface PipedriveOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** Must equal the app's registered callback exactly. */
  redirectUri: string;
  /** Default `https://oauth.pipedrive.com/oauth/authorize` (the sandbox's in tests). */
  authorizeUrl?: string;
  tokenUrl?: string;
  revokeUrl?: string;
  timeoutMs: number;
  /** Hosts `api_domain` may name besides `*.pipedrive.com` (the sandbox's loopback address); empty in production. */
  allowApiHosts?: readonly string[];
}

/** Refresh tokens expire after 60 days unused, and every use restarts the 60 days ([OAUTH]); not in the answer. */
export const PIPEDRIVE_REFRESH_TOKEN_TTL_MS = 60 * 86_400_000;

/** The token endpoint's answer (`oauth-token-response.json`); unknown fields pass. */
const TokenResponse = z.looseObject({
  access_token: z.string().check(z.minLength(1)),
  token_type: z.optional(z.string()),
  refresh_token: z.string().check(z.minLength(1)),
  scope: z.optional(z.string()),
  expires_in: z.number().check(z.positive()),
  api_domain: z.optional(z.string().check(z.minLength(1))),
});

/** The layout of OAuth errors is unverified: RFC 6749's `error`, or Pipedrive's message text ([OAUTHSC]). */
const TokenError = z.looseObject({
  error: z.optional(z.string()),
  error_description: z.optional(z.string()),
  message: z.optional(z.string()),
});

export interface PipedriveTokens {
  accessToken: string;
  refreshToken: string;
  /** Space-separated granted scopes. */
  scope: string;
  /** Epoch ms. */
  accessTokenExpiresAt: number;
  refreshTokenExpiresAt: number;
  /** The company origin every API call goes to, checked to be `https://<x>.pipedrive.com`. */
  apiDomain: string;
}

/** Pipedrive answered `invalid_grant`: the code or refresh token is dead (the token lifecycle reads `code`). */
export class InvalidGrantError extends AuthError {}

/** Pipedrive's OAuth 2.0 authorization-code flow (FACTS §1). Client authentication is HTTP Basic. */
export class PipedriveOAuthClient {
  constructor(
    private readonly config: PipedriveOAuthConfig,
    private readonly fetchImpl: Fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** Where to send the user; scopes are the app's, chosen in Pipedrive's developer hub. */
  authorizeUrl(state: string): string {
    const url = new URL(this.config.authorizeUrl ?? `${PIPEDRIVE_OAUTH_ORIGIN}/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: this.config.clientId,
      redirect_uri: this.config.redirectUri,
      state,
    }).toString();
    return url.toString();
  }

  /** Exchanges the code (valid 5 minutes, once). */
  async exchangeCode(code: string): Promise<PipedriveTokens> {
    return this.tokenRequest(
      { grant_type: 'authorization_code', code, redirect_uri: this.config.redirectUri },
      undefined,
    );
  }

  /**
   * A new access token. Pipedrive returns the same refresh token with its 60 days renewed, but
   * whatever comes back is what must be stored. `knownApiDomain` is used if the answer names none.
   */
  async refresh(refreshToken: string, knownApiDomain?: string): Promise<PipedriveTokens> {
    return this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }, knownApiDomain);
  }

  async revoke(token: string, tokenTypeHint: 'access_token' | 'refresh_token' = 'refresh_token'): Promise<void> {
    const response = await this.post(this.config.revokeUrl ?? `${PIPEDRIVE_OAUTH_ORIGIN}/oauth/revoke`, {
      token,
      token_type_hint: tokenTypeHint,
    });
    if (response.status >= 400) throw this.failure(response);
  }

  private async tokenRequest(
    form: Record<string, string>,
    knownApiDomain: string | undefined,
  ): Promise<PipedriveTokens> {
    const requestedAt = this.now();
    const response = await this.post(this.config.tokenUrl ?? `${PIPEDRIVE_OAUTH_ORIGIN}/oauth/token`, form);
    if (response.status !== 200) throw this.failure(response);
    const parsed = TokenResponse.safeParse(parseJson(response.text));
    if (!parsed.success) {
      // A 200 without tokens must never be stored as tokens.
      throw new TransientError('Pipedrive token endpoint answered 200 without tokens', {
        system: 'pipedrive',
        status: 200,
      });
    }
    const apiDomain = parsed.data.api_domain ?? knownApiDomain;
    if (apiDomain === undefined) {
      throw new PermanentError('Pipedrive token endpoint answered without api_domain', {
        system: 'pipedrive',
        status: 200,
        code: 'invalid_api_domain',
      });
    }
    return {
      accessToken: parsed.data.access_token,
      refreshToken: parsed.data.refresh_token,
      scope: parsed.data.scope ?? '',
      accessTokenExpiresAt: requestedAt + parsed.data.expires_in * 1000,
      refreshTokenExpiresAt: requestedAt + PIPEDRIVE_REFRESH_TOKEN_TTL_MS,
      // The token is only ever sent to a Pipedrive host: a forged or misrouted answer is refused here.
      apiDomain: assertPipedriveApiDomain(apiDomain, { allowHosts: this.config.allowApiHosts ?? [] }),
    };
  }

  private post(url: string, form: Record<string, string>): Promise<HttpResponse> {
    return request(this.fetchImpl, 'pipedrive', url, {
      method: 'POST',
      headers: {
        authorization: this.basicAuth(),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams(form).toString(),
      timeoutMs: this.config.timeoutMs,
    });
  }

  private failure(response: HttpResponse): Error {
    const body = TokenError.safeParse(parseJson(response.text));
    const error = body.success ? body.data.error : undefined;
    const text = body.success ? [error, body.data.error_description, body.data.message].join(' ') : '';
    const code =
      error === 'invalid_grant' || /\bInvalid grant\b/i.test(text)
        ? 'invalid_grant'
        : error === 'invalid_client' || /\bInvalid client\b/i.test(text)
          ? 'invalid_client'
          : error !== undefined && /^[a-z_]+$/.test(error)
            ? error
            : undefined;
    const details: ConnectorErrorDetails = {
      system: 'pipedrive',
      status: response.status,
      ...(code !== undefined ? { code } : {}),
    };
    if (code === 'invalid_grant') return new InvalidGrantError('Pipedrive refused the grant (invalid_grant)', details);
    if (code === 'invalid_client') {
      return new PermanentError('Pipedrive refused the client credentials (invalid_client)', details);
    }
    if (response.status === 429) {
      return new RateLimitedError('Pipedrive throttled the token request', {
        ...details,
        retryAfterMs: retryAfterMs(response) ?? RATE_LIMIT_DEFAULT_WAIT_MS,
      });
    }
    if (response.status >= 500) {
      return new TransientError(`Pipedrive token endpoint failed (HTTP ${response.status})`, details);
    }
    return new PermanentError(
      `Pipedrive token endpoint refused the request (HTTP ${response.status}${code ? `, ${code}` : ''})`,
      details,
    );
  }

  private basicAuth(): string {
    return `Basic ${Buffer.from(`${this.config.clientId}:${this.config.clientSecret}`).toString('base64')}`;
  }
}
