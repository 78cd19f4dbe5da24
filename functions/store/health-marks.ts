import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { keys } from './table-schema';
import { isConditionFailure, type Table } from './table';

export const HEALTH_MARKS = ['poll', 'webhook', 'reconcile'] as const;
export type HealthMark = (typeof HEALTH_MARKS)[number];

const Mark = z.object({ sk: z.string(), at: z.number() });

/** How often one container writes the same mark at most: a busy worker does not write one per message. */
const MARK_EVERY_MS = 60_000;

/**
 * When a poll, a change from a webhook, or a reconcile of a connection last succeeded: what the
 * sync-health page shows an operator. One small item per kind; a mark only moves forward.
 */
export class HealthMarks {
  private readonly written = new Map<string, number>();

  constructor(private readonly table: Table) {}

  async mark(realmId: string, kind: HealthMark, at: number): Promise<void> {
    const key = `${realmId}#${kind}`;
    if (at - (this.written.get(key) ?? -Infinity) < MARK_EVERY_MS) return;
    this.written.set(key, at);
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.healthMark(realmId, kind),
          UpdateExpression: 'SET #at = :at',
          ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async read(realmId: string): Promise<Record<HealthMark, number | undefined>> {
    const result = await this.table.client.send(
      new BatchGetCommand({
        RequestItems: { [this.table.name]: { Keys: HEALTH_MARKS.map((kind) => keys.healthMark(realmId, kind)) } },
      }),
    );
    const out: Record<HealthMark, number | undefined> = { poll: undefined, webhook: undefined, reconcile: undefined };
    for (const item of result.Responses?.[this.table.name] ?? []) {
      const mark = Mark.safeParse(item);
      if (!mark.success) continue;
      const kind = HEALTH_MARKS.find((k) => k === mark.data.sk);
      if (kind) out[kind] = mark.data.at;
    }
    return out;
  }
}
