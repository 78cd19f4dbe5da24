import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { LISTING_INDEX, TABLE_KEYS } from '../../functions/store/table-schema';

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
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TABLE_KEYS.partition, AttributeType: 'S' },
        { AttributeName: TABLE_KEYS.sort, AttributeType: 'S' },
        { AttributeName: LISTING_INDEX.partition, AttributeType: 'S' },
        { AttributeName: LISTING_INDEX.sort, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: TABLE_KEYS.partition, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sort, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: LISTING_INDEX.name,
          KeySchema: [
            { AttributeName: LISTING_INDEX.partition, KeyType: 'HASH' },
            { AttributeName: LISTING_INDEX.sort, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  return tableName;
}
