import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from '../shared/zod-mini';

/** 15 minutes: long enough to pass a link to the person who consents, short enough that a leaked one is stale. */
export const DEFAULT_LINK_TTL_MS = 15 * 60_000;

/**
 * What a connection link grants (decision 39): one provider, the realm it is for (Pipedrive always
 * names one), an expiry, a one-time nonce and whether it may replace what a connection is tied to.
 */
export const LinkClaims = z.strictObject({
  v: z.literal(1),
  provider: z.enum(['quickbooks', 'pipedrive']),
  realmId: z.optional(z.string().check(z.regex(/^\d{1,32}$/))),
  /** Epoch milliseconds after which the link is refused. */
  exp: z.number().check(z.int(), z.positive()),
  nonce: z.string().check(z.regex(/^[A-Za-z0-9_-]{16,64}$/)),
  replace: z.boolean(),
});
export type LinkClaims = z.infer<typeof LinkClaims>;

export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; reason: 'invalid' | 'expired' };

const sign = (key: string, payload: string): Buffer => createHmac('sha256', key).update(payload).digest();

/** Compares secrets in constant time: equal-length digests first, so neither content nor length leaks. */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** A fresh link token: `base64url(JSON claims).base64url(HMAC-SHA256(key, that payload))`. */
export function mintLinkToken(
  key: string,
  request: { provider: LinkClaims['provider']; realmId?: string; replace?: boolean },
  now: number,
  ttlMs = DEFAULT_LINK_TTL_MS,
): { token: string; claims: LinkClaims } {
  const claims = LinkClaims.parse({
    v: 1,
    provider: request.provider,
    ...(request.realmId !== undefined ? { realmId: request.realmId } : {}),
    exp: now + ttlMs,
    nonce: randomBytes(18).toString('base64url'),
    replace: request.replace ?? false,
  });
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { token: `${payload}.${sign(key, payload).toString('base64url')}`, claims };
}

/** Checks the signature (constant time) before reading anything, then the expiry. Never throws. */
export function verifyLinkToken(key: string, token: string | undefined, now: number): LinkCheck {
  if (!token || token.length > 1024) return { ok: false, reason: 'invalid' };
  const [payload = '', signature = '', ...rest] = token.split('.');
  if (rest.length > 0 || !payload) return { ok: false, reason: 'invalid' };
  const expected = sign(key, payload);
  const presented = Buffer.from(signature, 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected))
    return { ok: false, reason: 'invalid' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  const claims = LinkClaims.safeParse(decoded);
  if (!claims.success) return { ok: false, reason: 'invalid' };
  if (claims.data.exp <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: claims.data };
}
