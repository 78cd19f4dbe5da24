import { randomBytes } from 'node:crypto';
import { blobKeyId, openBlob, sealBlob } from './ciphertext-blob';
import { incorrectKey, invalidCiphertext, keyDisabled, KmsError, validationError } from './errors';
import type { LocalKey, LocalKeyStore } from './key-store';
import {
  CreateAliasRequest,
  CreateKeyRequest,
  DecryptRequest,
  EncryptRequest,
  GenerateDataKeyRequest,
  KeyRequest,
  ListAliasesRequest,
  parseRequest,
} from './requests';

/** One KMS operation: the parsed JSON body in, the JSON answer out; failures are thrown as `KmsError`. */
export type KmsOperation = (body: unknown) => object;

const SYMMETRIC_DEFAULT = 'SYMMETRIC_DEFAULT';

/** The operations the local KMS serves, by the name after `TrentService.` in `X-Amz-Target`. */
export function kmsOperations(store: LocalKeyStore): ReadonlyMap<string, KmsOperation> {
  const generateDataKey = (body: unknown) => {
    const request = parseRequest(GenerateDataKeyRequest, body);
    const size = dataKeySize(request.NumberOfBytes, request.KeySpec);
    const key = store.resolveEnabled(request.KeyId);
    const plaintext = randomBytes(size);
    return { key, plaintext, ciphertext: sealBlob(key, plaintext, request.EncryptionContext) };
  };

  return new Map<string, KmsOperation>([
    [
      'CreateKey',
      (body) => {
        const request = parseRequest(CreateKeyRequest, body);
        return { KeyMetadata: keyMetadata(store, store.createKey(request.Description)) };
      },
    ],
    [
      'DescribeKey',
      (body) => ({ KeyMetadata: keyMetadata(store, store.resolve(parseRequest(KeyRequest, body).KeyId)) }),
    ],
    [
      'EnableKey',
      (body) => {
        store.setEnabled(parseRequest(KeyRequest, body).KeyId, true);
        return {};
      },
    ],
    [
      'DisableKey',
      (body) => {
        store.setEnabled(parseRequest(KeyRequest, body).KeyId, false);
        return {};
      },
    ],
    [
      'Encrypt',
      (body) => {
        const request = parseRequest(EncryptRequest, body);
        requireSymmetric(request.EncryptionAlgorithm);
        const key = store.resolveEnabled(request.KeyId);
        return {
          CiphertextBlob: sealBlob(key, request.Plaintext, request.EncryptionContext).toString('base64'),
          KeyId: key.arn,
          EncryptionAlgorithm: SYMMETRIC_DEFAULT,
        };
      },
    ],
    [
      'Decrypt',
      (body) => {
        const request = parseRequest(DecryptRequest, body);
        requireSymmetric(request.EncryptionAlgorithm);
        // A KeyId that names no key is NotFound even when the blob is good.
        const expected = request.KeyId === undefined ? undefined : store.resolve(request.KeyId);
        const blobKey = blobKeyId(request.CiphertextBlob);
        const key = blobKey === undefined ? undefined : store.find(blobKey);
        if (!key) throw invalidCiphertext();
        if (expected && expected.keyId !== key.keyId) throw incorrectKey();
        if (!key.enabled) throw keyDisabled(key.arn);
        const plaintext = openBlob(key, request.CiphertextBlob, request.EncryptionContext);
        if (!plaintext) throw invalidCiphertext();
        return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: SYMMETRIC_DEFAULT };
      },
    ],
    [
      'GenerateDataKey',
      (body) => {
        const { key, plaintext, ciphertext } = generateDataKey(body);
        return {
          KeyId: key.arn,
          Plaintext: plaintext.toString('base64'),
          CiphertextBlob: ciphertext.toString('base64'),
        };
      },
    ],
    [
      'GenerateDataKeyWithoutPlaintext',
      (body) => {
        const { key, ciphertext } = generateDataKey(body);
        return { KeyId: key.arn, CiphertextBlob: ciphertext.toString('base64') };
      },
    ],
    [
      'CreateAlias',
      (body) => {
        const request = parseRequest(CreateAliasRequest, body);
        store.createAlias(request.AliasName, request.TargetKeyId);
        return {};
      },
    ],
    [
      'ListAliases',
      (body) => ({
        // Every alias fits in one page here, so there is never a NextMarker.
        Aliases: store.listAliases(parseRequest(ListAliasesRequest, body).KeyId).map((alias) => ({
          AliasName: alias.aliasName,
          AliasArn: alias.aliasArn,
          TargetKeyId: alias.targetKeyId,
          CreationDate: epochSeconds(alias.createdAt),
          LastUpdatedDate: epochSeconds(alias.createdAt),
        })),
        Truncated: false,
      }),
    ],
  ]);
}

function requireSymmetric(algorithm: string | undefined): void {
  if (algorithm !== undefined && algorithm !== SYMMETRIC_DEFAULT) {
    throw new KmsError('InvalidKeyUsageException', `The key does not support the ${algorithm} encryption algorithm.`);
  }
}

/** KMS wants exactly one of NumberOfBytes and KeySpec. */
function dataKeySize(numberOfBytes: number | undefined, keySpec: 'AES_256' | 'AES_128' | undefined): number {
  if (numberOfBytes !== undefined && keySpec === undefined) return numberOfBytes;
  if (keySpec !== undefined && numberOfBytes === undefined) return keySpec === 'AES_256' ? 32 : 16;
  throw validationError(['Please specify either number of bytes or key spec.']);
}

function keyMetadata(store: LocalKeyStore, key: LocalKey) {
  return {
    AWSAccountId: store.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: epochSeconds(key.createdAt),
    Enabled: key.enabled,
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: SYMMETRIC_DEFAULT,
    KeySpec: SYMMETRIC_DEFAULT,
    EncryptionAlgorithms: [SYMMETRIC_DEFAULT],
    MultiRegion: false,
  };
}

/** The JSON protocols send timestamps as (fractional) seconds since the epoch. */
function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
