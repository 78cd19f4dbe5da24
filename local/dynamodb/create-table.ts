import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LINK_STATE_INDEX, LISTING_INDEX, TABLE_KEYS } from '../../functions/store/table-schema';

/** Creates the connector's table as the stack defines it (keys, the listing and link-state indexes), on DynamoDB Local. */
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
        { AttributeName: LINK_STATE_INDEX.partition, AttributeType: 'S' },
        { AttributeName: LINK_STATE_INDEX.sort, AttributeType: 'N' },
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
        {
          IndexName: LINK_STATE_INDEX.name,
          KeySchema: [
            { AttributeName: LINK_STATE_INDEX.partition, KeyType: 'HASH' },
            { AttributeName: LINK_STATE_INDEX.sort, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...LINK_STATE_INDEX.projected] },
        },
      ],
    }),
  );
}
