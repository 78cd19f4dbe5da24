import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { canonicalEncryptionContext, type EncryptionContext } from './encryption-context';

/**
 * The local ciphertext blob: `version (1) | key id (16, the UUID's bytes) | IV (12) | GCM tag (16) | ciphertext`.
 * Like a real KMS blob it names its key, so Decrypt needs no KeyId; clients must treat it as opaque.
 * The header is authenticated together with the encryption context, so no byte of it can be changed.
 */
const VERSION = 1;
const KEY_ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
const MIN_BLOB_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES;

export interface BlobKey {
  /** A UUID, as every key the local KMS creates has. */
  keyId: string;
  /** 32 bytes of AES-256 key material. */
  material: Buffer;
}

export function sealBlob(key: BlobKey, plaintext: Buffer, context: EncryptionContext | undefined): Buffer {
  const header = Buffer.concat([Buffer.of(VERSION), uuidToBytes(key.keyId)]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.material, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([header, canonicalEncryptionContext(context)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/** The id of the key a blob claims to be sealed under; undefined when it is no blob of ours. */
export function blobKeyId(blob: Buffer): string | undefined {
  if (blob.length < MIN_BLOB_BYTES || blob[0] !== VERSION) return undefined;
  return bytesToUuid(blob.subarray(1, HEADER_BYTES));
}

/** The plaintext, or undefined when the key, the context or any byte of the blob is wrong. */
export function openBlob(key: BlobKey, blob: Buffer, context: EncryptionContext | undefined): Buffer | undefined {
  if (blobKeyId(blob) !== key.keyId) return undefined;
  const header = blob.subarray(0, HEADER_BYTES);
  const iv = blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const tag = blob.subarray(HEADER_BYTES + IV_BYTES, MIN_BLOB_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key.material, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.concat([header, canonicalEncryptionContext(context)]));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(blob.subarray(MIN_BLOB_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

function uuidToBytes(uuid: string): Buffer {
  const bytes = Buffer.from(uuid.replace(/-/g, ''), 'hex');
  if (bytes.length !== KEY_ID_BYTES) throw new RangeError(`not a UUID key id: ${uuid}`);
  return bytes;
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
