import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { PermanentError } from '../shared/errors';
import { canonicalJson } from '../sync/canonical-json';
import { type MappingDocument, parseMappingDocument } from '../sync/mapping-document';
import { keys } from './table-schema';
import { isConditionFailure, queryPages, type Table } from './table';

/** One stored version of a connection's mapping document (decision 61). */
export interface MappingVersion {
  version: number;
  document: MappingDocument;
  /** Who stored it (the operator's identity as the CLI gives it). */
  createdBy: string;
  createdAt: number;
}

/** The connection's current mapping: which version, and since when (an apply or a rollback). */
export interface CurrentMapping extends MappingVersion {
  /** The newest version stored: a rollback moves `version` below it, never removes anything. */
  latest: number;
  changedAt: number;
  changedBy: string;
}

const VersionItem = z.object({
  version: z.number().check(z.int(), z.positive()),
  document: z.string(),
  createdBy: z.string(),
  createdAt: z.number(),
});
const CurrentItem = z.extend(VersionItem, {
  latest: z.number().check(z.int(), z.positive()),
  changedAt: z.number(),
  changedBy: z.string(),
});

/** Another apply or rollback moved the pointer between our read and our write. */
export class MappingVersionConflict extends PermanentError {
  constructor(realmId: string) {
    super(`the mapping of ${realmId} changed meanwhile; plan again`, { system: 'aws', code: 'mapping_conflict' });
    this.name = 'MappingVersionConflict';
  }
}

function documentOf(realmId: string, version: number, text: string): MappingDocument {
  const parsed = parseMappingDocument(JSON.parse(text));
  // A stored version that no longer validates must stop the sync, not fall back to the default and rewrite every record.
  if (!parsed.ok)
    throw new PermanentError(`stored mapping v${version} of ${realmId} is not valid: ${parsed.errors[0] ?? ''}`, {
      system: 'aws',
      code: 'mapping_invalid',
    });
  return parsed.document;
}

function isTransactionConflict(error: unknown): boolean {
  return error instanceof Error && error.name === 'TransactionCanceledException';
}

/**
 * Mapping documents per connection (decision 61): every version is kept as its own item
 * (`MAPPING#<realmId>` / `V#<n>`), and `CURRENT` holds a copy of the one in use with its number, so
 * the worker reads the current document with one GetItem. Versions are never deleted; a rollback
 * moves the pointer.
 */
export class MappingStore {
  constructor(private readonly table: Table) {}

  /** The document in use, or undefined when none was ever stored (the default document applies). */
  async current(realmId: string): Promise<CurrentMapping | undefined> {
    const result = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.mappingCurrent(realmId), ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    const item = CurrentItem.parse(result.Item);
    return { ...item, document: documentOf(realmId, item.version, item.document) };
  }

  async version(realmId: string, version: number): Promise<MappingVersion | undefined> {
    const result = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.mappingVersion(realmId, version) }),
    );
    if (!result.Item) return undefined;
    const item = VersionItem.parse(result.Item);
    return { ...item, document: documentOf(realmId, item.version, item.document) };
  }

  /** Every stored version, oldest first. */
  async list(realmId: string): Promise<MappingVersion[]> {
    const out: MappingVersion[] = [];
    const pages = queryPages(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.mappingCurrent(realmId).pk, ':prefix': 'V#' },
    });
    for await (const page of pages)
      for (const raw of page) {
        const item = VersionItem.parse(raw);
        out.push({ ...item, document: documentOf(realmId, item.version, item.document) });
      }
    return out;
  }

  /**
   * Stores `document` as the next version and makes it current, in one transaction conditioned on
   * the pointer read before (`expectedLatest`, 0 when none): two applies at once cannot both win.
   */
  async put(
    realmId: string,
    document: MappingDocument,
    by: string,
    now: number,
    expectedLatest: number,
  ): Promise<CurrentMapping> {
    const version = expectedLatest + 1;
    const text = canonicalJson(document);
    const stored = { version, document: text, createdBy: by, createdAt: now };
    const pointer = { ...stored, latest: version, changedAt: now, changedBy: by };
    try {
      await this.table.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table.name,
                Item: { ...keys.mappingVersion(realmId, version), ...stored },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table.name,
                Item: { ...keys.mappingCurrent(realmId), ...pointer },
                ...(expectedLatest === 0
                  ? { ConditionExpression: 'attribute_not_exists(pk)' }
                  : {
                      ConditionExpression: '#latest = :expected',
                      ExpressionAttributeNames: { '#latest': 'latest' },
                      ExpressionAttributeValues: { ':expected': expectedLatest },
                    }),
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (isTransactionConflict(error)) throw new MappingVersionConflict(realmId);
      throw error;
    }
    return { ...pointer, document };
  }

  /** Makes an older (or any stored) version current again, if the pointer is still at `expectedVersion`. */
  async rollback(
    realmId: string,
    to: MappingVersion,
    by: string,
    now: number,
    expected: Pick<CurrentMapping, 'version' | 'latest'>,
  ): Promise<CurrentMapping> {
    const pointer = {
      version: to.version,
      document: canonicalJson(to.document),
      createdBy: to.createdBy,
      createdAt: to.createdAt,
      latest: expected.latest,
      changedAt: now,
      changedBy: by,
    };
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...keys.mappingCurrent(realmId), ...pointer },
          ConditionExpression: '#version = :version AND #latest = :latest',
          ExpressionAttributeNames: { '#version': 'version', '#latest': 'latest' },
          ExpressionAttributeValues: { ':version': expected.version, ':latest': expected.latest },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new MappingVersionConflict(realmId);
      throw error;
    }
    return { ...pointer, document: to.document };
  }
}
