import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
