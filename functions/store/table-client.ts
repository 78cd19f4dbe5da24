import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Table } from './table';

let client: DynamoDBDocumentClient | undefined;

/** The document client, created once per container (endpoint from AWS_ENDPOINT_URL_DYNAMODB when set, as the SDK reads it). */
export function tableNamed(name: string): Table {
  client ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  return { client, name };
}
