import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import * as z from '../shared/zod-mini';
import { activityListing, keys, LISTING_INDEX, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, type Table } from './table';

export const AuditSource = z.enum(['webhook', 'cdc', 'backfill', 'reconcile', 'replay']);
export const AuditAction = z.enum([
  'created',
  'updated',
  'unchanged',
  'stale',
  'excluded',
  'failed',
  'merged',
  'matched',
  /** Not written: held for a person's review (several candidate organizations). */
  'held',
  /** Not written by itself: a difference the Pipedrive-side reconcile found (decision 62); the note says what follows. */
  'found',
]);

/** One attempt to sync one customer: what triggered it, what happened, what it cost. Never a token or a whole record. */
export const AuditEntry = z.object({
  realmId: z.string(),
  qboId: z.string(),
  at: z.number(),
  id: z.string(),
  source: AuditSource,
  action: AuditAction,
  /** Field → [before, after] of the mapped payload. */
  diff: z.optional(z.record(z.string(), z.tuple([z.unknown(), z.unknown()]))),
  orgId: z.optional(z.number()),
  personId: z.optional(z.number()),
  pipedriveTokens: z._default(z.number(), 0),
  qboUpdatedTime: z.optional(z.string()),
  eventId: z.optional(z.string()),
  error: z.optional(z.object({ kind: z.string(), message: z.string() })),
  note: z.optional(z.string()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export type NewAuditEntry = Omit<z.input<typeof AuditEntry>, 'id'>;

export interface AuditPage {
  entries: AuditEntry[];
  /** Opaque; pass it back for the next (older) page. */
  next?: string;
}

const PageKey = z.catchall(z.object({ pk: z.string(), sk: z.string() }), z.string());

/** Orders entries written in the same millisecond by this process in the order they were written. */
let sequence = 0;

function sortKey(at: number, id: string): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${new Date(at).toISOString()}#${String(sequence).padStart(6, '0')}#${id}`;
}

export class AuditLog {
  constructor(
    private readonly table: Table,
    private readonly retentionDays: number,
  ) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    const stored = AuditEntry.parse({ ...entry, id: randomUUID() });
    const sk = sortKey(stored.at, stored.id);
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.audit(stored.realmId, stored.qboId, sk),
          [LISTING_INDEX.partition]: activityListing(stored.realmId),
          [LISTING_INDEX.sort]: sk,
          [TTL_ATTRIBUTE]: epochSeconds(stored.at) + this.retentionDays * 86_400,
          ...stored,
        },
      }),
    );
    return stored;
  }

  /** A customer's history, newest first. */
  history(realmId: string, qboId: string, options: { limit?: number; next?: string } = {}): Promise<AuditPage> {
    return this.page({ pk: keys.audit(realmId, qboId, '').pk, limit: options.limit, next: options.next });
  }

  /** Recent activity across a connection's customers, newest first. */
  recent(realmId: string, options: { limit?: number; next?: string } = {}): Promise<AuditPage> {
    return this.page({ pk: activityListing(realmId), index: true, limit: options.limit, next: options.next });
  }

  private async page(query: {
    pk: string;
    index?: boolean;
    limit: number | undefined;
    next: string | undefined;
  }): Promise<AuditPage> {
    const start = query.next
      ? PageKey.parse(JSON.parse(Buffer.from(query.next, 'base64url').toString('utf8')))
      : undefined;
    const partition = query.index ? LISTING_INDEX.partition : 'pk';
    const result = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        ...(query.index ? { IndexName: LISTING_INDEX.name } : {}),
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': partition },
        ExpressionAttributeValues: { ':pk': query.pk },
        ScanIndexForward: false,
        Limit: query.limit ?? 50,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const entries = (result.Items ?? []).map((item) => AuditEntry.parse(item));
    const last = result.LastEvaluatedKey;
    return { entries, ...(last ? { next: Buffer.from(JSON.stringify(last)).toString('base64url') } : {}) };
  }
}
