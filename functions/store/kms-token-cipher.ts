import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import * as z from '../shared/zod-mini';
import { AuthError, TransientError } from '../shared/errors';
import type { TokenCipher, TokenCipherContext } from './token-cipher';

/** KMS's answers that mean "this ciphertext will never decrypt here", whatever the retries. */
const REFUSALS = new Set(['InvalidCiphertextException', 'IncorrectKeyException', 'AccessDeniedException']);

/**
 * A stored token that KMS refuses to decrypt: wrong connection or provider, altered bytes, another
 * key, or no permission. Retrying cannot help; the connection needs new tokens (reconnect) or the
 * key setup needs fixing, so it is an auth error (park the work, mark for reauth) with the KMS
 * error name as `code`. The message never holds plaintext or ciphertext.
 */
export class TokenDecryptionError extends AuthError {}

/**
 * Anything else from KMS: throttling, 5xx, timeouts, network, and also misconfiguration (unknown or
 * disabled key, invalid input). Transient: retried with backoff, and in the end dead-lettered with
 * an alarm, rather than marking a connection for reauth that a reconnect would not fix.
 */
export class TransientTokenCipherError extends TransientError {}

const AwsErrorShape = z.object({
  name: z.string(),
  $metadata: z.optional(z.object({ httpStatusCode: z.optional(z.number()), requestId: z.optional(z.string()) })),
});

/** The TokenCipher on AWS KMS: one KMS call per operation, the context as KMS EncryptionContext. */
export class KmsTokenCipher implements TokenCipher {
  /** `keyId`: key id, key ARN, alias name or alias ARN. */
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  /** The plaintext goes to KMS as UTF-8 (at most 4096 bytes); unpaired surrogates would not survive that. */
  async encrypt(plaintext: string, context: TokenCipherContext): Promise<string> {
    const output = await this.call('Encrypt', context, () =>
      this.kms.send(
        new EncryptCommand({
          KeyId: this.keyId,
          Plaintext: Buffer.from(plaintext, 'utf8'),
          EncryptionContext: encryptionContext(context),
        }),
      ),
    );
    if (!output.CiphertextBlob)
      throw new TransientTokenCipherError('KMS Encrypt returned no ciphertext', { system: 'aws' });
    return Buffer.from(output.CiphertextBlob).toString('base64');
  }

  async decrypt(ciphertext: string, context: TokenCipherContext): Promise<string> {
    const blob = Buffer.from(ciphertext, 'base64');
    if (blob.length === 0) {
      throw new TokenDecryptionError(`${describe(context)}: the stored ciphertext is empty`, {
        system: 'aws',
        code: 'EmptyCiphertext',
      });
    }
    const output = await this.call('Decrypt', context, () =>
      this.kms.send(
        new DecryptCommand({
          CiphertextBlob: blob,
          // Naming the key makes KMS refuse a blob sealed under any other key (IncorrectKeyException).
          KeyId: this.keyId,
          EncryptionContext: encryptionContext(context),
        }),
      ),
    );
    if (!output.Plaintext) throw new TransientTokenCipherError('KMS Decrypt returned no plaintext', { system: 'aws' });
    return Buffer.from(output.Plaintext).toString('utf8');
  }

  private async call<Output>(
    operation: 'Encrypt' | 'Decrypt',
    context: TokenCipherContext,
    send: () => Promise<Output>,
  ): Promise<Output> {
    try {
      return await send();
    } catch (error) {
      throw classify(operation, context, error);
    }
  }
}

/** Built here, in one place, so both directions bind exactly the same pairs. */
function encryptionContext(context: TokenCipherContext): Record<string, string> {
  return { connection: context.connection, provider: context.provider };
}

function describe(context: TokenCipherContext): string {
  return `${context.provider} tokens of connection ${context.connection}`;
}

/** The error to throw for a failed KMS call; only names, ids and the status go into the message. */
function classify(operation: 'Encrypt' | 'Decrypt', context: TokenCipherContext, error: unknown): Error {
  const shape = AwsErrorShape.safeParse(error);
  const name = shape.success ? shape.data.name : 'UnknownError';
  const details = {
    system: 'aws' as const,
    code: name,
    cause: error,
    ...(shape.data?.$metadata?.httpStatusCode !== undefined ? { status: shape.data.$metadata.httpStatusCode } : {}),
    ...(shape.data?.$metadata?.requestId !== undefined ? { requestId: shape.data.$metadata.requestId } : {}),
  };
  if (operation === 'Decrypt' && REFUSALS.has(name)) {
    return new TokenDecryptionError(`KMS refused to decrypt the ${describe(context)} (${name})`, details);
  }
  return new TransientTokenCipherError(`KMS ${operation} failed for the ${describe(context)} (${name})`, details);
}
