import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What verifies a webhook's Basic auth: never the password (decision 63). */
export interface StoredWebhookCredentials {
  user: string;
  salt: string;
  hash: string;
}

const WEBHOOK_USER = 'ml-connector';

function digest(salt: string, user: string, password: string): Buffer {
  // The password is 256 random bits: no dictionary to slow down, so a keyed hash suffices (no scrypt on the 10 s path).
  return createHmac('sha256', salt).update(`${user}:${password}`, 'utf8').digest();
}

/** New random credentials for one connection's webhook: the password goes to Pipedrive once, the hash is stored. */
export function newWebhookCredentials(): { user: string; password: string; stored: StoredWebhookCredentials } {
  const password = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('base64url');
  return {
    user: WEBHOOK_USER,
    password,
    stored: { user: WEBHOOK_USER, salt, hash: digest(salt, WEBHOOK_USER, password).toString('base64url') },
  };
}

/** Whether an `Authorization: Basic …` header carries the stored credentials; compared in constant time. */
export function webhookAuthMatches(header: string | undefined, stored: StoredWebhookCredentials | undefined): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  const presented = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = presented.indexOf(':');
  const user = colon < 0 ? '' : presented.slice(0, colon);
  const password = colon < 0 ? '' : presented.slice(colon + 1);
  // Always one digest and one comparison, whether or not a header or credentials exist.
  const salt = stored?.salt ?? 'none';
  const expected = Buffer.from(stored?.hash ?? '', 'base64url');
  const actual = digest(salt, user, password);
  const same = expected.length === actual.length && timingSafeEqual(expected, actual);
  return stored !== undefined && match !== null && same;
}
