import { CreateKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import fc from 'fast-check';
import { inspect } from 'node:util';
import { errorKind } from '../../functions/shared/errors';
import {
  KmsTokenCipher,
  TokenDecryptionError,
  TransientTokenCipherError,
} from '../../functions/store/kms-token-cipher';
import type { TokenCipherContext } from '../../functions/store/token-cipher';
import { type LocalKms, startLocalKms } from '../../local/kms';

const QBO: TokenCipherContext = { connection: '9341453050298464', provider: 'quickbooks' };
const SECRET = JSON.stringify({ kind: 'oauth', accessToken: 'eyJ-access-SECRET', refreshToken: 'AB11-refresh-SECRET' });

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('KmsTokenCipher against the local KMS', () => {
  let kms: LocalKms;
  let client: KMSClient;
  let cipher: KmsTokenCipher;

  beforeAll(async () => {
    kms = await startLocalKms({ alias: 'alias/ml-connector-tokens' });
    // One attempt, so injected throttling reaches the cipher without a real backoff delay.
    client = new KMSClient({ ...kms.clientConfig, maxAttempts: 1 });
    cipher = new KmsTokenCipher(client, 'alias/ml-connector-tokens');
  });

  afterAll(async () => {
    client.destroy();
    await kms.close();
  });

  afterEach(() => {
    kms.faults.clear();
  });

  it('round-trips a token payload as base64 that does not contain it', async () => {
    const ciphertext = await cipher.encrypt(SECRET, QBO);
    expect(ciphertext).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(ciphertext, 'base64').toString('latin1')).not.toContain('SECRET');
    expect(await cipher.decrypt(ciphertext, QBO)).toBe(SECRET);
  });

  it('works with the key id and the key ARN as well as the alias', async () => {
    for (const keyId of [kms.keyId, kms.keyArn]) {
      const byKey = new KmsTokenCipher(client, keyId);
      expect(await byKey.decrypt(await cipher.encrypt(SECRET, QBO), QBO)).toBe(SECRET);
    }
  });

  it.each([
    ['another connection', { connection: '1234567890', provider: 'quickbooks' }],
    ['another provider', { connection: QBO.connection, provider: 'pipedrive' }],
  ] satisfies [string, TokenCipherContext][])(
    'refuses a ciphertext copied to %s with a TokenDecryptionError that names neither secret',
    async (_name, copiedTo) => {
      const ciphertext = await cipher.encrypt(SECRET, QBO);

      const error = await caught(cipher.decrypt(ciphertext, copiedTo));

      expect(error).toBeInstanceOf(TokenDecryptionError);
      expect(error).toMatchObject({ code: 'InvalidCiphertextException', status: 400 });
      expect(errorKind(error)).toBe('auth');
      const shown = inspect(error, { depth: 6 });
      expect(shown).not.toContain('SECRET');
      expect(shown).not.toContain(ciphertext);
    },
  );

  it('refuses a ciphertext sealed under another key (IncorrectKeyException)', async () => {
    const other = (await client.send(new CreateKeyCommand({}))).KeyMetadata!;
    const ciphertext = await new KmsTokenCipher(client, other.Arn!).encrypt(SECRET, QBO);
    await expect(cipher.decrypt(ciphertext, QBO)).rejects.toMatchObject({
      name: 'TokenDecryptionError',
      code: 'IncorrectKeyException',
    });
  });

  it('refuses a tampered ciphertext and a string that is no ciphertext', async () => {
    const blob = Buffer.from(await cipher.encrypt(SECRET, QBO), 'base64');
    blob[blob.length - 1] = blob[blob.length - 1]! ^ 0x80;
    await expect(cipher.decrypt(blob.toString('base64'), QBO)).rejects.toBeInstanceOf(TokenDecryptionError);
    await expect(cipher.decrypt('bm90IGEgY2lwaGVydGV4dA==', QBO)).rejects.toBeInstanceOf(TokenDecryptionError);
  });

  it.each([
    [
      'throttling',
      { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
      'ThrottlingException',
    ],
    ['a KMS 500', { status: 500, body: { __type: 'KMSInternalException', message: 'x' } }, 'KMSInternalException'],
    ['a connection reset', { reset: true }, undefined],
  ])('leaves %s retryable (TransientTokenCipherError)', async (_name, fault, code) => {
    const ciphertext = await cipher.encrypt(SECRET, QBO);
    kms.faults.add({ path: '^/Decrypt$', count: 1, ...fault });

    const error = await caught(cipher.decrypt(ciphertext, QBO));

    expect(error).toBeInstanceOf(TransientTokenCipherError);
    expect(errorKind(error)).toBe('transient');
    if (code !== undefined) expect(error).toMatchObject({ code });
    expect(await cipher.decrypt(ciphertext, QBO)).toBe(SECRET);
  });

  it('reports a disabled key as transient: an operator fixes it, reconnecting would not', async () => {
    const key = (await client.send(new CreateKeyCommand({}))).KeyMetadata!;
    const onKey = new KmsTokenCipher(client, key.KeyId!);
    const ciphertext = await onKey.encrypt(SECRET, QBO);
    await client.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    await expect(onKey.decrypt(ciphertext, QBO)).rejects.toMatchObject({
      name: 'TransientTokenCipherError',
      code: 'DisabledException',
    });
  });

  it('round-trips any Unicode string up to ~3 KB', async () => {
    await fc.assert(
      fc.asyncProperty(
        // 'binary' units are whole code points (up to 4 UTF-8 bytes), so 750 stay under KMS's 4096-byte limit.
        fc.string({ unit: 'binary', minLength: 1, maxLength: 750 }),
        fc.constantFrom<TokenCipherContext['provider']>('quickbooks', 'pipedrive'),
        fc.string({ minLength: 1, maxLength: 20 }),
        async (plaintext, provider, connection) => {
          const context = { connection, provider };
          expect(await cipher.decrypt(await cipher.encrypt(plaintext, context), context)).toBe(plaintext);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('binds every ciphertext to its connection, whatever the ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.string({ minLength: 1, maxLength: 20 }),
        async (owner, other) => {
          fc.pre(owner !== other);
          const ciphertext = await cipher.encrypt('token', { connection: owner, provider: 'pipedrive' });
          await expect(cipher.decrypt(ciphertext, { connection: other, provider: 'pipedrive' })).rejects.toBeInstanceOf(
            TokenDecryptionError,
          );
        },
      ),
      { numRuns: 50 },
    );
  });
});
