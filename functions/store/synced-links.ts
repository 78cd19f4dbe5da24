import * as z from '../shared/zod-mini';
import { keys, LINK_PREFIX } from './table-schema';
import { queryPages, type Table } from './table';

/** A customer in sync with its organization: what a mapping plan compares the new document against. */
export interface SyncedLink {
  qboId: string;
  orgId: number;
  personId?: number;
  /** The mapped payload last pushed, as the worker compares it; absent when unreadable (then all is pushed). */
  pushed?: { organization: Record<string, unknown>; person: Record<string, unknown> | null };
}

const Pushed = z.object({
  organization: z.record(z.string(), z.unknown()),
  person: z.nullable(z.record(z.string(), z.unknown())),
});
const Item = z.object({
  qboId: z.string(),
  orgId: z.number().check(z.int()),
  personId: z.optional(z.number().check(z.int())),
  pushed: z.optional(z.unknown()),
});

/**
 * Every synced link of a connection with its organization (decision 61): one Query of the
 * connection's link items, a page at a time, filtered to `synced`. A plan reads them all once.
 */
export async function syncedLinks(table: Table, realmId: string): Promise<SyncedLink[]> {
  const out: SyncedLink[] = [];
  const pages = queryPages(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: '#state = :synced AND attribute_exists(orgId)',
    ProjectionExpression: 'qboId, orgId, personId, pushed',
    ExpressionAttributeNames: { '#state': 'state' },
    ExpressionAttributeValues: { ':pk': keys.connection(realmId).pk, ':prefix': LINK_PREFIX, ':synced': 'synced' },
  });
  for await (const page of pages)
    for (const raw of page) {
      const item = Item.parse(raw);
      const pushed = Pushed.safeParse(item.pushed);
      out.push({
        qboId: item.qboId,
        orgId: item.orgId,
        ...(item.personId !== undefined ? { personId: item.personId } : {}),
        ...(pushed.success ? { pushed: pushed.data } : {}),
      });
    }
  return out;
}
