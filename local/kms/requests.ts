import * as z from 'zod';
import { validationError } from './errors';

/** Messages in the words KMS uses for its `ValidationException`s. */
function member(expected: string) {
  return (issue: { input: unknown }) => (issue.input === undefined ? 'Member must not be null' : expected);
}

function text(min: number, max: number) {
  return z
    .string({ error: member('Member must be a string') })
    .min(min, `Member must have length greater than or equal to ${min}`)
    .max(max, `Member must have length less than or equal to ${max}`);
}

/** A base64 blob, decoded, whose byte length KMS limits. */
function blob(max: number) {
  return z
    .base64({ error: member('Member must be a base64-encoded binary value') })
    .refine((value) => Buffer.byteLength(value, 'base64') >= 1, 'Member must have length greater than or equal to 1')
    .refine(
      (value) => Buffer.byteLength(value, 'base64') <= max,
      `Member must have length less than or equal to ${max}`,
    )
    .transform((value) => Buffer.from(value, 'base64'));
}

const KeyId = text(1, 2048);
const EncryptionContext = z.record(z.string(), z.string({ error: 'Member must be a string' })).optional();
const EncryptionAlgorithm = z.string().optional();

export const CreateKeyRequest = z.object({
  Description: text(0, 8192).optional(),
  // Only symmetric encryption keys exist here; anything else is refused rather than faked.
  KeyUsage: z.literal('ENCRYPT_DECRYPT', 'Member must satisfy enum value set: [ENCRYPT_DECRYPT]').optional(),
  KeySpec: z.literal('SYMMETRIC_DEFAULT', 'Member must satisfy enum value set: [SYMMETRIC_DEFAULT]').optional(),
  CustomerMasterKeySpec: z
    .literal('SYMMETRIC_DEFAULT', 'Member must satisfy enum value set: [SYMMETRIC_DEFAULT]')
    .optional(),
});

export const KeyRequest = z.object({ KeyId });

export const EncryptRequest = z.object({
  KeyId,
  Plaintext: blob(4096),
  EncryptionContext,
  EncryptionAlgorithm,
});

export const DecryptRequest = z.object({
  CiphertextBlob: blob(6144),
  KeyId: KeyId.optional(),
  EncryptionContext,
  EncryptionAlgorithm,
});

export const GenerateDataKeyRequest = z.object({
  KeyId,
  EncryptionContext,
  NumberOfBytes: z
    .number({ error: 'Member must be a number' })
    .int('Member must be an integer')
    .min(1, 'Member must have value greater than or equal to 1')
    .max(1024, 'Member must have value less than or equal to 1024')
    .optional(),
  KeySpec: z.enum(['AES_256', 'AES_128'], 'Member must satisfy enum value set: [AES_256, AES_128]').optional(),
});

export const CreateAliasRequest = z.object({
  AliasName: text(1, 256).regex(/^alias\/[a-zA-Z0-9/_-]+$/, 'Member must satisfy regular expression pattern: alias/…'),
  TargetKeyId: KeyId,
});

export const ListAliasesRequest = z.object({ KeyId: KeyId.optional() });

/** The request's members, or a `ValidationException` listing every member that is wrong. */
export function parseRequest<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw validationError(
    result.error.issues.map(
      (issue) => `Value at '${memberPath(issue.path)}' failed to satisfy constraint: ${issue.message}`,
    ),
  );
}

/** `Plaintext` → `plaintext`, as KMS names members in its messages. */
function memberPath(path: readonly PropertyKey[]): string {
  return path.map((part) => String(part).replace(/^./, (first) => first.toLowerCase())).join('.');
}
