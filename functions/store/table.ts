import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type DynamoDBDocumentClient,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';

/** The document client and table name every repository shares (created once per container). */
export interface Table {
  client: DynamoDBDocumentClient;
  name: string;
}

/** True when a write lost its condition: someone else got there first. */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

export function epochSeconds(epochMs: number): number {
  return Math.floor(epochMs / 1000);
}

/** The items of a Query, a page at a time, following `LastEvaluatedKey` (the SDK's paginator); empty pages skipped. */
export async function* queryPages(
  table: Table,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): AsyncGenerator<Record<string, unknown>[]> {
  for await (const page of paginateQuery({ client: table.client }, { ...input, TableName: table.name })) {
    const items = page.Items ?? [];
    if (items.length > 0) yield items;
  }
}

type KeysAndOptions = NonNullable<BatchGetCommandInput['RequestItems']>[string];
const UnprocessedKeys = z.array(z.record(z.string(), z.unknown()));
/** DynamoDB's BatchGet limit. */
const BATCH_GET_KEYS = 100;
const BATCH_GET_ATTEMPTS = 8;

/**
 * The items of many keys, by BatchGet (100 keys a call), sending again what DynamoDB left unprocessed
 * a few times; a key with no item is left out. Consistent reads unless `options` say otherwise.
 */
export async function batchGetItems(
  table: Table,
  keys: readonly Record<string, unknown>[],
  options: Omit<KeysAndOptions, 'Keys'> = { ConsistentRead: true },
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
    let requested: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET_KEYS);
    for (let attempt = 0; requested.length > 0 && attempt < BATCH_GET_ATTEMPTS; attempt++) {
      const result = await table.client.send(
        new BatchGetCommand({ RequestItems: { [table.name]: { ...options, Keys: requested } } }),
      );
      out.push(...(result.Responses?.[table.name] ?? []));
      const unprocessed = UnprocessedKeys.safeParse(result.UnprocessedKeys?.[table.name]?.Keys ?? []);
      requested = unprocessed.success ? unprocessed.data : [];
    }
  }
  return out;
}
