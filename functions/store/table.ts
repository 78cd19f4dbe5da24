import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, paginateQuery, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

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
