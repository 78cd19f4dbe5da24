import { randomBytes } from 'node:crypto';
import type { SandboxCore } from './core';

/** Lifetimes from [OAUTH]: code 5 minutes; refresh token 60 days, renewed on each use. */
export const AUTHORIZATION_CODE_TTL_MS = 5 * 60 * 1000;
/** `expires_in` is 3599 in the spec's example ([SPEC1]); the doc says 60 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 3599;
export const REFRESH_TOKEN_TTL_MS = 60 * 24 * 60 * 60 * 1000;

/** The token endpoint's answer (`oauth-token-response.json`). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
  api_domain: string;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A new grant: fresh refresh token and access token. */
export function issueGrant(core: SandboxCore, clientId: string, scope: string, now: number): TokenResponse {
  // Shaped like Pipedrive's `1:1:2a54…` (company:user:hash).
  const refreshToken = `${core.config.companyId}:1:${hex(20)}`;
  core.store.refreshTokens.set(refreshToken, {
    clientId,
    scope,
    expiresAt: now + REFRESH_TOKEN_TTL_MS,
    revoked: false,
  });
  return issueAccessToken(core, refreshToken, clientId, scope, now);
}

/**
 * A new access token on an existing grant. Pipedrive returns "the same refresh token … with the
 * expiry window extended by 60 days" ([OAUTH]), so the refresh token does not rotate.
 */
export function issueAccessToken(
  core: SandboxCore,
  refreshToken: string,
  clientId: string,
  scope: string,
  now: number,
): TokenResponse {
  const accessToken = `v1u:${Buffer.from(hex(48), 'hex').toString('base64')}`;
  core.store.accessTokens.set(accessToken, {
    clientId,
    refreshToken,
    scope,
    expiresAt: now + ACCESS_TOKEN_TTL_SECONDS * 1000,
    revoked: false,
  });
  const grant = core.store.refreshTokens.get(refreshToken);
  if (grant) grant.expiresAt = now + REFRESH_TOKEN_TTL_MS;
  core.counters.increment('oauth_tokens_issued');
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refreshToken,
    scope,
    api_domain: core.baseUrl,
  };
}

/** Revokes a grant and every access token issued on it. */
export function revokeGrant(core: SandboxCore, refreshToken: string): void {
  const grant = core.store.refreshTokens.get(refreshToken);
  if (grant) grant.revoked = true;
  for (const token of core.store.accessTokens.values()) if (token.refreshToken === refreshToken) token.revoked = true;
}
