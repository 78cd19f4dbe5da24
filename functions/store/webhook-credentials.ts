import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Connection } from './connections';
import { keys } from './table-schema';
import type { Table } from './table';

/**
 * Only what verifies a connection's Pipedrive webhook (decision 63): the webhook function may read no
 * other attribute of it (decision 41). Its own module, so the functions that never verify do not carry it.
 */
export async function storedWebhookCredentials(table: Table, realmId: string): Promise<Connection['pipedriveWebhook']> {
  const result = await table.client.send(
    new GetCommand({
      TableName: table.name,
      Key: keys.connection(realmId),
      ProjectionExpression: 'pipedriveWebhook',
      ConsistentRead: true,
    }),
  );
  const parsed = Connection.shape.pipedriveWebhook.safeParse(result.Item?.pipedriveWebhook);
  return parsed.success ? parsed.data : undefined;
}
