import { createHmac } from 'node:crypto';

/** `intuit-signature`: base64 of HMAC-SHA256 over the raw body bytes, keyed with the app's verifier token (FACTS §2.2). */
export function signWebhookBody(rawBody: string | Buffer, verifierToken: string): string {
  return createHmac('sha256', verifierToken).update(rawBody).digest('base64');
}
