import { createHash, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';

/**
 * The issuer Intuit's id_tokens carry; `intuit-oauth`'s `validateIdToken()` accepts no other
 * (FACTS §1.1), so the sandbox signs with the real issuer and serves the keys at its own origin.
 */
export const INTUIT_ISSUER = 'https://oauth.platform.intuit.com/op/v1';

/** Where Intuit serves the OpenID pieces (FACTS §1.1), as paths on the sandbox's one host. */
export const OPENID_PATHS = {
  jwks: '/op/v1/jwks',
  userinfo: '/v1/openid_connect/userinfo',
  discovery: '/.well-known/openid_configuration',
  sandboxDiscovery: '/.well-known/openid_sandbox_configuration',
} as const;

export interface SandboxUser {
  sub: string;
  email: string;
  givenName: string;
  familyName: string;
  phoneNumber: string;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, string>;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * Signs RS256 id_tokens with a key pair made for this sandbox (on first use, so a sandbox that
 * never issues one pays nothing) and publishes the public half as a JWKS.
 */
export class OpenIdProvider {
  readonly user: SandboxUser = {
    sub: randomUUID(),
    email: 'sandbox.user@example.com',
    givenName: 'Sandbox',
    familyName: 'User',
    phoneNumber: '+1 6505550100',
  };
  private key: SigningKey | undefined;

  /** The id_token for a code exchange with the `openid` scope; times are the sandbox clock's. */
  idToken(clientId: string, realmId: string, nowMs: number, ttlSeconds: number): string {
    const key = this.signingKey();
    const iat = Math.floor(nowMs / 1000);
    const header = { kid: key.kid, alg: 'RS256' };
    // Claims as Intuit documents them; `aud` is an array, which validateIdToken() requires.
    const payload = {
      sub: this.user.sub,
      aud: [clientId],
      realmid: realmId,
      auth_time: iat,
      iss: INTUIT_ISSUER,
      exp: iat + ttlSeconds,
      iat,
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = sign('RSA-SHA256', Buffer.from(signingInput), key.privateKey);
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  jwks(): { keys: Record<string, string>[] } {
    return { keys: [this.signingKey().jwk] };
  }

  /** The userinfo claims each OpenID scope grants (Intuit's userinfo field names). */
  userInfo(scopes: readonly string[]): Record<string, unknown> {
    const { user } = this;
    return {
      sub: user.sub,
      ...(scopes.includes('email') ? { email: user.email, emailVerified: true } : {}),
      ...(scopes.includes('profile') ? { givenName: user.givenName, familyName: user.familyName } : {}),
      ...(scopes.includes('phone') ? { phoneNumber: user.phoneNumber, phoneNumberVerified: false } : {}),
      ...(scopes.includes('address')
        ? {
            address: {
              streetAddress: '2700 Coast Ave',
              locality: 'Mountain View',
              region: 'CA',
              postalCode: '94043',
              country: 'US',
            },
          }
        : {}),
    };
  }

  private signingKey(): SigningKey {
    if (this.key) return this.key;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const exported = publicKey.export({ format: 'jwk' });
    const n = exported.n ?? '';
    const e = exported.e ?? '';
    const kid = createHash('sha256').update(n).digest('hex').slice(0, 16);
    this.key = { kid, privateKey, jwk: { kty: 'RSA', use: 'sig', alg: 'RS256', kid, n, e } };
    return this.key;
  }
}
