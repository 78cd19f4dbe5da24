import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { createConnectorTable } from '../../local/dynamodb/create-table';

/** The DynamoDB Local endpoint started by the Jest global setup. */
export function dynamoEndpoint(): string {
  const endpoint = process.env.DDB_ENDPOINT;
  if (!endpoint)
    throw new Error('DDB_ENDPOINT is not set: run the tests through jest (test/global-setup.ts starts DynamoDB Local)');
  return endpoint;
}

export function localDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: dynamoEndpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export function localDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(localDynamoClient(), { marshallOptions: { removeUndefinedValues: true } });
}

/** Creates a fresh table (unique name) shaped like the stack's, so test files never share state. */
export async function createTestTable(client: DynamoDBClient = localDynamoClient()): Promise<string> {
  const tableName = `ml-connector-test-${randomUUID()}`;
  await createConnectorTable(client, tableName);
  return tableName;
}
