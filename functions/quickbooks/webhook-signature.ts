import { createHmac, timingSafeEqual } from 'node:crypto';

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Checks `intuit-signature`: base64 HMAC-SHA256 of the raw body bytes, keyed with a verifier
 * token (FACTS §2.2). Several tokens are accepted so a token can be rotated without downtime.
 * Constant-time, and never throws: anything malformed is simply not valid.
 */
export function verifyIntuitSignature(
  rawBody: Buffer,
  signature: string | undefined,
  verifierTokens: readonly string[],
): boolean {
  if (signature === undefined || !BASE64_SHA256.test(signature.trim())) return false;
  const presented = Buffer.from(signature.trim(), 'base64');
  if (presented.length !== 32) return false;
  let valid = false;
  for (const token of verifierTokens) {
    if (token.length === 0) continue;
    const expected = createHmac('sha256', token).update(rawBody).digest();
    // Every token is compared, so the time taken does not tell which one matched.
    if (timingSafeEqual(expected, presented)) valid = true;
  }
  return valid;
}
