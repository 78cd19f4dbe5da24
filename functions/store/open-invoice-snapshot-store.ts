import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { OpenInvoiceSnapshot, type OpenInvoiceSnapshots } from '../sync/open-invoice-snapshots';
import { keys, TTL_ATTRIBUTE } from './table-schema';
import { batchGetItems, epochSeconds, type Table } from './table';

/** A snapshot past this age is read again: it bounds the items a disconnected company leaves behind. */
const KEEP_MS = 60 * 86_400_000;
const ATTEMPTS = 8;

const StoredSnapshot = z.object({ qboId: z.string(), snapshot: OpenInvoiceSnapshot });
const PutRequests = z.array(z.object({ PutRequest: z.object({ Item: z.record(z.string(), z.unknown()) }) }));

/**
 * Customers' open-invoice snapshots (decision 66), one item each next to their link. Writes are
 * unconditional: each snapshot names its own read time, and whether it still holds is decided by that
 * time, so an older one written last is only read again sooner. A write DynamoDB leaves unprocessed
 * is given up after a few tries for the same reason.
 */
export class OpenInvoiceSnapshotStore implements OpenInvoiceSnapshots {
  constructor(private readonly table: Table) {}

  async getMany(realmId: string, qboIds: readonly string[]): Promise<Map<string, OpenInvoiceSnapshot>> {
    const items = await batchGetItems(
      this.table,
      [...new Set(qboIds)].map((id) => keys.openInvoices(realmId, id)),
    );
    // An item this version cannot read is as good as none: the customer's invoices are queried.
    return new Map(
      items.flatMap((item) => {
        const stored = StoredSnapshot.safeParse(item);
        return stored.success ? [[stored.data.qboId, stored.data.snapshot] as const] : [];
      }),
    );
  }

  async putMany(realmId: string, snapshots: ReadonlyMap<string, OpenInvoiceSnapshot>): Promise<void> {
    const all = [...snapshots].map(([qboId, snapshot]) => ({
      PutRequest: {
        Item: {
          ...keys.openInvoices(realmId, qboId),
          qboId,
          snapshot,
          [TTL_ATTRIBUTE]: epochSeconds(snapshot.readAtMs + KEEP_MS),
        },
      },
    }));
    for (let i = 0; i < all.length; i += 25) {
      let requests: z.infer<typeof PutRequests> = all.slice(i, i + 25);
      for (let attempt = 0; requests.length > 0 && attempt < ATTEMPTS; attempt++) {
        const result = await this.table.client.send(
          new BatchWriteCommand({ RequestItems: { [this.table.name]: requests } }),
        );
        const unprocessed = PutRequests.safeParse(result.UnprocessedItems?.[this.table.name] ?? []);
        requests = unprocessed.success ? unprocessed.data : [];
      }
    }
  }
}
