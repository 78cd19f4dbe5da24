import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LISTING_INDEX, TABLE_KEYS } from '../../functions/store/table-schema';

/** Creates the connector's table as the stack defines it (keys, the listing index), on DynamoDB Local. */
export async function createConnectorTable(client: DynamoDBClient, tableName: string): Promise<void> {
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
}
