import { deferWork } from '../../functions/deferred-work/defer-work';
import { LinkStore } from '../../functions/store/link-store';
import { ParkingStore } from '../../functions/store/parking-store';
import type { Table } from '../../functions/store/table';
import type { SyncMessage } from '../../functions/sync/sync-message';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';

const T0 = Date.parse('2026-07-01T12:00:00Z');
let table: Table;

beforeAll(async () => {
  table = { client: localDocumentClient(), name: await createTestTable() };
});

const message = (realmId: string, id: string): SyncMessage => ({
  v: 1,
  realmId,
  kind: 'customer',
  id,
  source: 'webhook',
  eventId: `e-${realmId}-${id}`,
  enqueuedAt: T0,
});
const synced = (ms: number) => ({
  orgId: 7,
  pushed: { ms },
  fingerprint: `f${ms}`,
  lastPushedUpdatedTime: new Date(ms).toISOString(),
  lastPushedUpdatedAtMs: ms,
  lastPushedSyncToken: '1',
});

describe('deferWork (decision 33)', () => {
  it('leaves a customer synced when another container releases and syncs its work the moment it is parked', async () => {
    const links = new LinkStore(table);
    const parking = new ParkingStore(table);
    await links.markSynced('d1', '5', synced(T0), T0);
    // The gate: right after the park, another container releases the parked message and syncs it
    // before this deferral has returned. Whatever the deferral writes must not come after that sync.
    const racingParking: Pick<ParkingStore, 'park'> = {
      park: async (...args) => {
        await parking.park(...args);
        const released = await parking.releaseTo('d1', 'throttle', async (page) => {
          for (const { message: parked } of page) await links.markSynced('d1', parked.id, synced(T0 + 10), T0 + 10);
        });
        expect(released).toBe(1);
      },
    };

    await deferWork(
      message('d1', '5'),
      'm-1',
      { lane: 'throttle', queue: 'changes', reason: 'deferred: QuickBooks throttled the request' },
      { links, parking: racingParking, now: T0 + 5 },
    );

    expect(await links.get('d1', '5')).toMatchObject({ state: 'synced', lastPushedUpdatedAtMs: T0 + 10 });
    expect(await parking.count('d1', 'throttle')).toBe(0);
  });

  it('marks the customer behind, with where its work waits, and parks it in its lane', async () => {
    const links = new LinkStore(table);
    const parking = new ParkingStore(table);
    await links.markSynced('d2', '6', synced(T0), T0);

    await deferWork(
      message('d2', '6'),
      'm-2',
      { lane: 'budget', reason: 'deferred: the Pipedrive token budget is used up' },
      { links, parking, now: T0 + 5 },
    );

    expect(await links.get('d2', '6')).toMatchObject({
      state: 'failed',
      reason: 'deferred: the Pipedrive token budget is used up',
    });
    expect(await parking.count('d2', 'budget')).toBe(1);
  });

  it('parks nothing when the mark fails, so the message comes back instead of waiting unseen', async () => {
    const parking = new ParkingStore(table);
    const failingLinks: Pick<LinkStore, 'markBehind'> = {
      markBehind: () => Promise.reject(new Error('DynamoDB is unavailable')),
    };

    await expect(
      deferWork(
        message('d3', '8'),
        'm-3',
        { lane: 'throttle', reason: 'deferred: QuickBooks throttled the request' },
        { links: failingLinks, parking, now: T0 },
      ),
    ).rejects.toThrow('DynamoDB is unavailable');
    expect(await parking.count('d3', 'throttle')).toBe(0);
  });
});
