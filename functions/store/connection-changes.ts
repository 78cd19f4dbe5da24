import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { keys } from './table-schema';
import type { Table } from './table';

/** A connection moved to another Pipedrive company, or a realm-bound link connected another realm (decision 39). */
export const ConnectionChange = z.object({
  realmId: z.string(),
  at: z.number(),
  change: z.enum(['pipedrive-company', 'quickbooks-realm']),
  from: z.string(),
  to: z.string(),
  /** The nonce of the `--replace` link that allowed it (the operator minted it). */
  linkNonce: z.optional(z.string()),
});
export type ConnectionChange = z.infer<typeof ConnectionChange>;

/** The audit trail of changes to what a connection is tied to; kept as long as the table (no TTL). */
export class ConnectionChanges {
  constructor(private readonly table: Table) {}

  async record(change: ConnectionChange): Promise<void> {
    const stored = ConnectionChange.parse(change);
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.connectionChange(stored.realmId, `${new Date(stored.at).toISOString()}#${randomUUID()}`),
          ...stored,
        },
      }),
    );
  }

  async history(realmId: string): Promise<ConnectionChange[]> {
    const result = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.connectionChange(realmId, '').pk },
        ScanIndexForward: false,
      }),
    );
    return (result.Items ?? []).map((item) => ConnectionChange.parse(item));
  }
}
