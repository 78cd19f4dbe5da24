import {
  DecryptCommand,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  KMSInternalException,
  KMSServiceException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
// The matchers are registered in jest.config; this import brings their types.
import 'aws-sdk-client-mock-jest';
import { inspect } from 'node:util';
import { AuthError, errorKind, TransientError } from '../../functions/shared/errors';
import {
  KmsTokenCipher,
  TokenDecryptionError,
  TransientTokenCipherError,
} from '../../functions/store/kms-token-cipher';
import type { TokenCipherContext } from '../../functions/store/token-cipher';

const KEY = 'alias/ml-connector-tokens';
const CONTEXT: TokenCipherContext = { connection: '9341453050298464', provider: 'quickbooks' };
const SECRET = 'refresh-token-AB11700000000secret';
const BLOB = Buffer.from('opaque-kms-blob-bytes');
const metadata = { httpStatusCode: 400, requestId: 'req-1' };

const kmsMock = mockClient(KMSClient);
const cipher = () => new KmsTokenCipher(new KMSClient({ region: 'us-east-1' }), KEY);

/** What a log line or an error report could show of an error, cause included. */
const everythingShown = (error: unknown) => `${String(error)} ${inspect(error, { depth: 6 })}`;

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  kmsMock.reset();
});

describe('KmsTokenCipher.encrypt', () => {
  it('sends the plaintext as UTF-8 under the configured key with exactly {connection, provider} as context', async () => {
    kmsMock.on(EncryptCommand).resolves({ CiphertextBlob: BLOB });

    const ciphertext = await cipher().encrypt('tökén', CONTEXT);

    expect(ciphertext).toBe(BLOB.toString('base64'));
    expect(kmsMock).toHaveReceivedCommandTimes(EncryptCommand, 1);
    const input = kmsMock.commandCalls(EncryptCommand)[0]!.args[0].input;
    expect(input.KeyId).toBe(KEY);
    expect(input.EncryptionContext).toStrictEqual({ connection: '9341453050298464', provider: 'quickbooks' });
    expect(Buffer.from(input.Plaintext!).toString('utf8')).toBe('tökén');
  });

  it('binds the provider too', async () => {
    kmsMock.on(EncryptCommand).resolves({ CiphertextBlob: BLOB });
    await cipher().encrypt(SECRET, { connection: 'c-2', provider: 'pipedrive' });
    expect(kmsMock).toHaveReceivedCommandWith(EncryptCommand, {
      EncryptionContext: { connection: 'c-2', provider: 'pipedrive' },
    });
  });

  it('reports a failed Encrypt as transient, without the plaintext', async () => {
    kmsMock
      .on(EncryptCommand)
      .rejects(new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: metadata }));
    const error = await caught(cipher().encrypt(SECRET, CONTEXT));
    expect(error).toBeInstanceOf(TransientTokenCipherError);
    expect(error).toMatchObject({ code: 'ThrottlingException', status: 400, requestId: 'req-1', system: 'aws' });
    expect(everythingShown(error)).not.toContain(SECRET);
  });

  it('treats an answer without a ciphertext as transient', async () => {
    kmsMock.on(EncryptCommand).resolves({});
    await expect(cipher().encrypt(SECRET, CONTEXT)).rejects.toBeInstanceOf(TransientTokenCipherError);
  });
});

describe('KmsTokenCipher.decrypt', () => {
  it('sends the decoded blob, the key id (so another key is refused) and the same context', async () => {
    kmsMock.on(DecryptCommand).resolves({ Plaintext: Buffer.from(SECRET, 'utf8') });

    const plaintext = await cipher().decrypt(BLOB.toString('base64'), CONTEXT);

    expect(plaintext).toBe(SECRET);
    const input = kmsMock.commandCalls(DecryptCommand)[0]!.args[0].input;
    expect(input.KeyId).toBe(KEY);
    expect(input.EncryptionContext).toStrictEqual({ connection: '9341453050298464', provider: 'quickbooks' });
    expect(Buffer.from(input.CiphertextBlob!).equals(BLOB)).toBe(true);
  });

  it.each([
    ['InvalidCiphertextException', new InvalidCiphertextException({ message: 'bad', $metadata: metadata })],
    ['IncorrectKeyException', new IncorrectKeyException({ message: 'other key', $metadata: metadata })],
    [
      'AccessDeniedException',
      new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: metadata }),
    ],
  ])(
    'turns %s into a TokenDecryptionError (auth kind) naming neither plaintext nor ciphertext',
    async (name, kmsError) => {
      kmsMock.on(DecryptCommand).rejects(kmsError);
      const ciphertext = BLOB.toString('base64');

      const error = await caught(cipher().decrypt(ciphertext, CONTEXT));

      expect(error).toBeInstanceOf(TokenDecryptionError);
      expect(error).toBeInstanceOf(AuthError);
      expect(errorKind(error)).toBe('auth');
      expect(error).toMatchObject({ code: name, system: 'aws', status: 400 });
      const message = (error as Error).message;
      expect(message).toContain('quickbooks tokens of connection 9341453050298464');
      expect(message).not.toContain(ciphertext);
      expect(message).not.toContain(SECRET);
    },
  );

  it.each([
    [
      'ThrottlingException',
      new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: metadata }),
    ],
    ['KMSInternalException', new KMSInternalException({ message: 'oops', $metadata: { httpStatusCode: 500 } })],
    ['Error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('leaves %s retryable (TransientTokenCipherError)', async (name, kmsError) => {
    kmsMock.on(DecryptCommand).rejects(kmsError);
    const error = await caught(cipher().decrypt(BLOB.toString('base64'), CONTEXT));
    expect(error).toBeInstanceOf(TransientTokenCipherError);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: name, cause: kmsError });
  });

  it('refuses an empty ciphertext without calling KMS', async () => {
    await expect(cipher().decrypt('', CONTEXT)).rejects.toBeInstanceOf(TokenDecryptionError);
    expect(kmsMock).toHaveReceivedCommandTimes(DecryptCommand, 0);
  });

  it('treats an answer without a plaintext as transient', async () => {
    kmsMock.on(DecryptCommand).resolves({});
    await expect(cipher().decrypt(BLOB.toString('base64'), CONTEXT)).rejects.toBeInstanceOf(TransientTokenCipherError);
  });
});
