import { randomBytes, randomUUID } from 'node:crypto';
import type { BlobKey } from './ciphertext-blob';
import { aliasNotFound, invalidKeyId, keyDisabled, keyNotFound, KmsError } from './errors';

export interface LocalKey extends BlobKey {
  arn: string;
  description: string;
  enabled: boolean;
  createdAt: Date;
}

interface Alias {
  targetKeyId: string;
  createdAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_ARN = /^arn:aws:kms:([^:]+):([^:]+):key\/(.+)$/;
const ALIAS_ARN = /^arn:aws:kms:([^:]+):([^:]+):(alias\/.+)$/;

/** The symmetric keys and aliases of one account in one region. */
export class LocalKeyStore {
  private readonly keys = new Map<string, LocalKey>();
  private readonly aliases = new Map<string, Alias>();

  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  createKey(description = ''): LocalKey {
    const keyId = randomUUID();
    const key: LocalKey = {
      keyId,
      arn: this.arn(`key/${keyId}`),
      material: randomBytes(32),
      description,
      enabled: true,
      createdAt: new Date(),
    };
    this.keys.set(keyId, key);
    return key;
  }

  /** A key by id, key ARN, alias name or alias ARN, as KMS accepts them; NotFoundException otherwise. */
  resolve(identifier: string): LocalKey {
    const aliasName = this.aliasName(identifier);
    if (aliasName !== undefined) {
      const alias = this.aliases.get(aliasName);
      if (!alias) throw aliasNotFound(this.arn(aliasName));
      return this.byId(alias.targetKeyId);
    }
    return this.byId(this.keyIdOf(identifier));
  }

  /** Like `resolve`, but only for a key that may be used (DisabledException otherwise). */
  resolveEnabled(identifier: string): LocalKey {
    const key = this.resolve(identifier);
    if (!key.enabled) throw keyDisabled(key.arn);
    return key;
  }

  /** A key by the id a ciphertext blob names; undefined when no such key exists here. */
  find(keyId: string): LocalKey | undefined {
    return this.keys.get(keyId);
  }

  setEnabled(identifier: string, enabled: boolean): void {
    this.byId(this.keyIdOf(identifier)).enabled = enabled;
  }

  createAlias(aliasName: string, targetKeyIdentifier: string): void {
    if (aliasName.startsWith('alias/aws/')) {
      throw new KmsError('NotAuthorizedException', 'The alias prefix alias/aws/ is reserved for AWS managed keys.');
    }
    // KMS refuses an alias as the target: it must name a key.
    const key = this.byId(this.keyIdOf(targetKeyIdentifier));
    if (this.aliases.has(aliasName)) {
      throw new KmsError('AlreadyExistsException', `An alias with the name ${this.arn(aliasName)} already exists`);
    }
    this.aliases.set(aliasName, { targetKeyId: key.keyId, createdAt: new Date() });
  }

  listAliases(keyIdentifier?: string): { aliasName: string; aliasArn: string; targetKeyId: string; createdAt: Date }[] {
    const onlyKeyId = keyIdentifier === undefined ? undefined : this.resolve(keyIdentifier).keyId;
    return [...this.aliases]
      .filter(([, alias]) => onlyKeyId === undefined || alias.targetKeyId === onlyKeyId)
      .map(([aliasName, alias]) => ({ aliasName, aliasArn: this.arn(aliasName), ...alias }));
  }

  private byId(keyId: string): LocalKey {
    const key = this.keys.get(keyId);
    if (!key) throw keyNotFound(this.arn(`key/${keyId}`));
    return key;
  }

  /** The key id in a bare id or key ARN of this account and region; NotFoundException otherwise. */
  private keyIdOf(identifier: string): string {
    if (UUID.test(identifier)) return identifier;
    const arn = KEY_ARN.exec(identifier);
    if (arn?.[3] !== undefined) {
      if (arn[1] !== this.region || arn[2] !== this.accountId || !UUID.test(arn[3])) throw keyNotFound(identifier);
      return arn[3];
    }
    throw invalidKeyId(identifier);
  }

  /** `alias/…` from an alias name or alias ARN; undefined when the identifier names a key. */
  private aliasName(identifier: string): string | undefined {
    if (identifier.startsWith('alias/')) return identifier;
    const arn = ALIAS_ARN.exec(identifier);
    if (arn?.[3] === undefined) return undefined;
    if (arn[1] !== this.region || arn[2] !== this.accountId) throw aliasNotFound(identifier);
    return arn[3];
  }

  private arn(resource: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:${resource}`;
  }
}
