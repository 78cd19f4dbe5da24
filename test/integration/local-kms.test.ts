import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisabledException,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  ListAliasesCommand,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { type LocalKms, startLocalKms } from '../../local/kms';

const CONTEXT = { connection: '9341453050298464', provider: 'quickbooks' };
const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('local KMS over the JSON 1.1 protocol, with @aws-sdk/client-kms', () => {
  let kms: LocalKms;
  let client: KMSClient;

  beforeAll(async () => {
    kms = await startLocalKms();
    // One attempt: an injected fault must surface, not be retried after a real backoff delay.
    client = new KMSClient({
      endpoint: kms.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'dummy', secretAccessKey: 'dummy' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await kms.close();
  });

  afterEach(() => {
    kms.faults.clear();
  });

  const encrypt = async (plaintext: string, context: Record<string, string> | undefined, keyId = kms.keyId) =>
    (await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes(plaintext), EncryptionContext: context })))
      .CiphertextBlob!;
  const decrypt = async (blob: Uint8Array, context: Record<string, string> | undefined, keyId?: string) =>
    Buffer.from(
      (await client.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context, KeyId: keyId })))
        .Plaintext!,
    ).toString('utf8');

  describe('Encrypt and Decrypt', () => {
    it('round-trips and names the key by ARN, as KMS does', async () => {
      const encrypted = await client.send(
        new EncryptCommand({ KeyId: kms.keyId, Plaintext: bytes('secret'), EncryptionContext: CONTEXT }),
      );
      expect(encrypted).toMatchObject({ KeyId: kms.keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });

      const decrypted = await client.send(
        new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: CONTEXT, KeyId: kms.keyArn }),
      );
      expect(decrypted).toMatchObject({ KeyId: kms.keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
      expect(Buffer.from(decrypted.Plaintext!).toString('utf8')).toBe('secret');
    });

    it('decrypts without a KeyId: the blob names its key', async () => {
      expect(await decrypt(await encrypt('no key id', CONTEXT), CONTEXT, undefined)).toBe('no key id');
    });

    it('gives an opaque blob that differs on every call (random IV)', async () => {
      const first = Buffer.from(await encrypt('same plaintext', CONTEXT));
      const second = Buffer.from(await encrypt('same plaintext', CONTEXT));
      expect(first.equals(second)).toBe(false);
      expect(first.includes(bytes('same plaintext'))).toBe(false);
      expect(first.includes(bytes(kms.keyId))).toBe(false);
    });

    it('ignores the order of the context keys', async () => {
      const blob = await encrypt('ordered', { provider: 'quickbooks', connection: '9341453050298464' });
      expect(await decrypt(blob, { connection: '9341453050298464', provider: 'quickbooks' })).toBe('ordered');
    });

    it.each([
      ['another connection', { ...CONTEXT, connection: '1234567890' }],
      ['another provider', { ...CONTEXT, provider: 'pipedrive' }],
      ['an extra pair', { ...CONTEXT, extra: 'x' }],
      ['a missing pair', { connection: CONTEXT.connection }],
      ['no context', undefined],
      ['pairs split differently', { 'connection=9341453050298464': 'quickbooks' }],
    ])('refuses the ciphertext under %s (InvalidCiphertextException, HTTP 400)', async (_name, context) => {
      const blob = await encrypt('bound', CONTEXT);
      await expect(decrypt(blob, context)).rejects.toBeInstanceOf(InvalidCiphertextException);
      await expect(decrypt(blob, context)).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    });

    it('treats an absent context and {} alike, as KMS does', async () => {
      expect(await decrypt(await encrypt('no context', undefined), {})).toBe('no context');
    });

    it('refuses the ciphertext when any single byte is changed', async () => {
      const blob = Buffer.from(await encrypt('tamper me', CONTEXT));
      const outcomes = await Promise.all(
        [...blob.keys()].map(async (index) => {
          const tampered = Buffer.from(blob);
          tampered[index] = tampered[index]! ^ 0x01;
          return decrypt(tampered, CONTEXT).then(
            () => 'decrypted',
            (error: unknown) => (error instanceof InvalidCiphertextException ? 'refused' : String(error)),
          );
        }),
      );
      expect(new Set(outcomes)).toEqual(new Set(['refused']));
      expect(outcomes).toHaveLength(blob.length);
    });

    it('refuses a truncated blob and one that is no blob at all', async () => {
      const blob = Buffer.from(await encrypt('short', CONTEXT));
      await expect(decrypt(blob.subarray(0, blob.length - 1), CONTEXT)).rejects.toBeInstanceOf(
        InvalidCiphertextException,
      );
      await expect(decrypt(bytes('not a kms ciphertext'), CONTEXT)).rejects.toBeInstanceOf(InvalidCiphertextException);
    });

    it('refuses Plaintext over 4096 bytes with ValidationException, and takes exactly 4096', async () => {
      const tooLong = client.send(new EncryptCommand({ KeyId: kms.keyId, Plaintext: Buffer.alloc(4097, 1) }));
      await expect(tooLong).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining("Value at 'plaintext' failed to satisfy constraint") as unknown,
        $metadata: { httpStatusCode: 400 },
      });
      const blob = (await client.send(new EncryptCommand({ KeyId: kms.keyId, Plaintext: Buffer.alloc(4096, 1) })))
        .CiphertextBlob!;
      const plaintext = (await client.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!;
      expect(Buffer.from(plaintext).equals(Buffer.alloc(4096, 1))).toBe(true);
    });

    it('refuses a missing KeyId with ValidationException', async () => {
      await expect(client.send(new EncryptCommand({ KeyId: undefined, Plaintext: bytes('x') }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining("'keyId'") as unknown,
      });
    });
  });

  describe('keys', () => {
    it('answers NotFoundException for an unknown key id, alias, or an ARN of another region', async () => {
      for (const keyId of [
        '00000000-0000-4000-8000-000000000000',
        'alias/none',
        'not-a-key-id',
        kms.keyArn.replace('us-east-1', 'eu-west-1'),
      ]) {
        await expect(encrypt('x', CONTEXT, keyId)).rejects.toBeInstanceOf(NotFoundException);
      }
      await expect(
        client.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' })),
      ).rejects.toMatchObject({
        name: 'NotFoundException',
        message: expect.stringContaining('does not exist') as unknown,
      });
    });

    it('creates and describes keys, and resolves aliases by name and ARN', async () => {
      const created = (await client.send(new CreateKeyCommand({ Description: 'second' }))).KeyMetadata!;
      expect(created).toMatchObject({
        Enabled: true,
        KeyState: 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        Description: 'second',
      });
      expect(created.Arn).toBe(`arn:aws:kms:us-east-1:${kms.accountId}:key/${created.KeyId}`);
      expect(created.CreationDate).toBeInstanceOf(Date);

      await client.send(new CreateAliasCommand({ AliasName: 'alias/second', TargetKeyId: created.KeyId }));
      await expect(
        client.send(new CreateAliasCommand({ AliasName: 'alias/second', TargetKeyId: kms.keyId })),
      ).rejects.toBeInstanceOf(AlreadyExistsException);
      const aliases = (await client.send(new ListAliasesCommand({ KeyId: created.KeyId }))).Aliases;
      expect(aliases).toEqual([expect.objectContaining({ AliasName: 'alias/second', TargetKeyId: created.KeyId })]);

      const described = (await client.send(new DescribeKeyCommand({ KeyId: aliases?.[0]?.AliasArn }))).KeyMetadata;
      expect(described?.KeyId).toBe(created.KeyId);
      expect(await decrypt(await encrypt('via alias', CONTEXT, 'alias/second'), CONTEXT, created.Arn)).toBe(
        'via alias',
      );
    });

    it('gives each key its own material: Decrypt with another KeyId is IncorrectKeyException', async () => {
      const other = (await client.send(new CreateKeyCommand({}))).KeyMetadata!;
      const blob = await encrypt('under the default key', CONTEXT);
      await expect(decrypt(blob, CONTEXT, other.KeyId)).rejects.toBeInstanceOf(IncorrectKeyException);
      expect(await decrypt(blob, CONTEXT, kms.keyId)).toBe('under the default key');
    });

    it('refuses a disabled key with DisabledException until it is enabled again', async () => {
      const key = (await client.send(new CreateKeyCommand({}))).KeyMetadata!;
      const blob = await encrypt('before', CONTEXT, key.KeyId);
      await client.send(new DisableKeyCommand({ KeyId: key.KeyId }));

      await expect(encrypt('after', CONTEXT, key.KeyId)).rejects.toBeInstanceOf(DisabledException);
      await expect(decrypt(blob, CONTEXT)).rejects.toBeInstanceOf(DisabledException);
      expect((await client.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata?.KeyState).toBe('Disabled');

      await client.send(new EnableKeyCommand({ KeyId: key.KeyId }));
      expect(await decrypt(blob, CONTEXT)).toBe('before');
    });

    it('can give the default key an alias at start', async () => {
      const aliased = await startLocalKms({ alias: 'alias/ml-connector-tokens' });
      const aliasedClient = new KMSClient({ ...aliased.clientConfig, maxAttempts: 1 });
      try {
        const described = await aliasedClient.send(new DescribeKeyCommand({ KeyId: 'alias/ml-connector-tokens' }));
        expect(described.KeyMetadata?.Arn).toBe(aliased.keyArn);
      } finally {
        aliasedClient.destroy();
        await aliased.close();
      }
    });
  });

  describe('GenerateDataKey', () => {
    it('returns a 32-byte AES_256 key whose CiphertextBlob decrypts back to it', async () => {
      const dataKey = await client.send(
        new GenerateDataKeyCommand({ KeyId: kms.keyId, KeySpec: 'AES_256', EncryptionContext: CONTEXT }),
      );
      expect(dataKey.KeyId).toBe(kms.keyArn);
      expect(dataKey.Plaintext).toHaveLength(32);
      const decrypted = await client.send(
        new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: CONTEXT }),
      );
      expect(Buffer.from(decrypted.Plaintext!).equals(Buffer.from(dataKey.Plaintext!))).toBe(true);
      await expect(decrypt(dataKey.CiphertextBlob!, { ...CONTEXT, provider: 'pipedrive' })).rejects.toBeInstanceOf(
        InvalidCiphertextException,
      );
    });

    it('takes NumberOfBytes or KeySpec, not both and not neither; has a WithoutPlaintext variant', async () => {
      const sixteen = await client.send(new GenerateDataKeyCommand({ KeyId: kms.keyId, NumberOfBytes: 16 }));
      expect(sixteen.Plaintext).toHaveLength(16);
      for (const request of [{}, { NumberOfBytes: 32, KeySpec: 'AES_256' as const }, { NumberOfBytes: 1025 }]) {
        await expect(client.send(new GenerateDataKeyCommand({ KeyId: kms.keyId, ...request }))).rejects.toMatchObject({
          name: 'ValidationException',
        });
      }
      const withoutPlaintext = await client.send(
        new GenerateDataKeyWithoutPlaintextCommand({ KeyId: kms.keyId, KeySpec: 'AES_128' }),
      );
      expect('Plaintext' in withoutPlaintext).toBe(false);
      expect(
        (await client.send(new DecryptCommand({ CiphertextBlob: withoutPlaintext.CiphertextBlob }))).Plaintext,
      ).toHaveLength(16);
    });
  });

  describe('protocol and faults', () => {
    const post = (target: string | undefined, body: string) =>
      fetch(kms.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', ...(target ? { 'x-amz-target': target } : {}) },
        body,
      });

    it('answers errors as {__type, message} with HTTP 400 and the JSON 1.1 content type', async () => {
      const unknown = await post('TrentService.Sign', '{}');
      expect(unknown.status).toBe(400);
      expect(unknown.headers.get('content-type')).toBe('application/x-amz-json-1.1');
      expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });

      const badJson = await post('TrentService.Encrypt', '{not json');
      expect(await badJson.json()).toMatchObject({ __type: 'SerializationException' });

      const missingTarget = await post(undefined, '{}');
      expect(await missingTarget.json()).toMatchObject({ __type: 'UnknownOperationException' });

      const get = await fetch(kms.url);
      expect(get.status).toBe(404);
    });

    it('injects faults per operation and counts calls', async () => {
      kms.faults.add({
        path: '^/Decrypt$',
        status: 400,
        body: { __type: 'ThrottlingException', message: 'Rate exceeded' },
        count: 1,
      });
      const blob = await encrypt('faulted', CONTEXT);
      await expect(decrypt(blob, CONTEXT)).rejects.toMatchObject({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
      });
      expect(await decrypt(blob, CONTEXT)).toBe('faulted');
      expect(kms.counters.get('faults.injected', 'Decrypt')).toBe(1);
      expect(kms.counters.get('calls', 'Decrypt')).toBeGreaterThanOrEqual(1);
    });
  });
});
