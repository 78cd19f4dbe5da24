import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AuditLog } from '../../functions/store/audit-log';
import { BudgetLedger } from '../../functions/store/budget-ledger';
import { ConnectionStore } from '../../functions/store/connections';
import { CursorStore } from '../../functions/store/cursor-store';
import { LeaseStore } from '../../functions/store/lease-store';
import { LinkStore } from '../../functions/store/link-store';
import { CreateClaimConflict, LinkConflict } from '../../functions/sync/ports';
import type { Table } from '../../functions/store/table';
import { keys } from '../../functions/store/table-schema';
import { TokenStore, TokenVersionConflict } from '../../functions/store/token-store';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';

const T0 = Date.parse('2026-07-01T12:00:00Z');
let table: Table;

beforeAll(async () => {
  table = { client: localDocumentClient(), name: await createTestTable() };
});

describe('ConnectionStore', () => {
  it('creates a connection once and lists every connection through the index', async () => {
    const store = new ConnectionStore(table);
    const first = await store.create('111', T0, 'First Co');
    const again = await store.create('111', T0 + 1000, 'Renamed');
    expect(again).toEqual(first);
    await store.create('222', T0);
    expect((await store.list()).map((c) => c.realmId).sort()).toEqual(['111', '222']);
  });

  it('records status with a reason, and merges custom-field keys', async () => {
    const store = new ConnectionStore(table);
    await store.create('333', T0);
    await store.setStatus('333', 'needs_reauth', T0 + 1, 'quickbooks: invalid_grant');
    await store.setFields('333', { quickbooksId: 'a'.repeat(40) }, { status: { Active: 1 } }, T0 + 2);
    await store.setFields('333', { openBalance: 'b'.repeat(40) }, {}, T0 + 3);
    expect(await store.get('333')).toMatchObject({
      status: 'needs_reauth',
      statusReason: 'quickbooks: invalid_grant',
      fieldKeys: { quickbooksId: 'a'.repeat(40), openBalance: 'b'.repeat(40) },
      fieldOptions: { status: { Active: 1 } },
    });
    await store.setStatus('333', 'active', T0 + 4);
    expect((await store.get('333'))?.statusReason).toBeUndefined();
  });
});

describe('TokenStore', () => {
  it('lets exactly one of 20 concurrent callers take the refresh lease, and another take it after it runs out', async () => {
    const store = new TokenStore(table);
    await store.replace('t1', 'quickbooks', { ciphertext: 'c0', accessTokenExpiresAt: T0 }, T0);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.acquireLease('t1', 'quickbooks', `owner-${i}`, T0, 15_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.acquireLease('t1', 'quickbooks', 'late', T0 + 14_999, 15_000)).toBe(false);
    expect(await store.acquireLease('t1', 'quickbooks', 'late', T0 + 15_001, 15_000)).toBe(true);
  });

  it('saves refreshed tokens only from the version that was read, releasing the lease', async () => {
    const store = new TokenStore(table);
    const version = await store.replace(
      't2',
      'quickbooks',
      { ciphertext: 'c0', accessTokenExpiresAt: T0, refreshTokenExpiresAt: T0 + 1 },
      T0,
    );
    await store.acquireLease('t2', 'quickbooks', 'me', T0, 15_000);
    const next = await store.saveRefreshed(
      't2',
      'quickbooks',
      { ciphertext: 'c1', accessTokenExpiresAt: T0 + 3_600_000 },
      version,
      T0 + 5,
    );
    expect(next).toBe(version + 1);
    const stored = await store.read('t2', 'quickbooks');
    expect(stored).toMatchObject({
      ciphertext: 'c1',
      accessTokenExpiresAt: T0 + 3_600_000,
      version: next,
      lastRefreshAt: T0 + 5,
    });
    expect(stored?.leaseOwner).toBeUndefined();
    expect(stored?.refreshTokenExpiresAt).toBeUndefined();
    await expect(store.saveRefreshed('t2', 'quickbooks', { ciphertext: 'stale' }, version, T0 + 6)).rejects.toThrow(
      TokenVersionConflict,
    );
    expect((await store.read('t2', 'quickbooks'))?.ciphertext).toBe('c1');
  });

  it('only the lease owner can release it', async () => {
    const store = new TokenStore(table);
    await store.replace('t3', 'pipedrive', { ciphertext: 'c' }, T0);
    await store.acquireLease('t3', 'pipedrive', 'owner', T0, 15_000);
    await store.releaseLease('t3', 'pipedrive', 'intruder');
    expect((await store.read('t3', 'pipedrive'))?.leaseOwner).toBe('owner');
    await store.releaseLease('t3', 'pipedrive', 'owner');
    expect((await store.read('t3', 'pipedrive'))?.leaseOwner).toBeUndefined();
  });
});

describe('CursorStore', () => {
  it('moves forward only from the version read, and never backwards', async () => {
    const cursors = new CursorStore(table);
    expect(await cursors.advance('c1', { changedSince: 'a', changedSinceMs: 100 }, undefined, T0)).toBe(true);
    expect(await cursors.advance('c1', { changedSince: 'b', changedSinceMs: 200 }, undefined, T0)).toBe(false);
    const first = await cursors.get('c1');
    expect(first).toMatchObject({ changedSince: 'a', version: 1 });
    expect(await cursors.advance('c1', { changedSince: 'b', changedSinceMs: 200 }, 1, T0)).toBe(true);
    expect(await cursors.advance('c1', { changedSince: 'c', changedSinceMs: 300 }, 1, T0)).toBe(false);
    expect(await cursors.advance('c1', { changedSince: 'old', changedSinceMs: 50 }, 2, T0)).toBe(false);
    expect(await cursors.get('c1')).toMatchObject({ changedSince: 'b', changedSinceMs: 200, version: 2 });
  });
});

describe('LinkStore', () => {
  const synced = (ms: number) => ({
    orgId: 7,
    pushed: { ms },
    personId: 9,
    fingerprint: `f${ms}`,
    lastPushedUpdatedTime: new Date(ms).toISOString(),
    lastPushedUpdatedAtMs: ms,
    lastPushedSyncToken: '1',
  });

  it('lets one attempt claim a create; a live claim blocks others, a stale one can be taken over', async () => {
    const links = new LinkStore(table);
    const claims = await Promise.allSettled(
      Array.from({ length: 5 }, (_, n) => links.claimCreate('r1', '42', T0, 60_000, `c${n}`)),
    );
    expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    for (const claim of claims)
      if (claim.status === 'rejected') expect(claim.reason).toBeInstanceOf(CreateClaimConflict);
    await expect(links.claimCreate('r1', '42', T0 + 30_000, 60_000, 'later')).rejects.toThrow(CreateClaimConflict);
    const takeover = await links.claimCreate('r1', '42', T0 + 61_000, 60_000, 'taker');
    expect(takeover).toMatchObject({ state: 'pending', pendingSince: T0 + 61_000, claimId: 'taker' });
  });

  it('fences out an attempt whose claim was taken over: it can neither announce a create nor record one', async () => {
    const links = new LinkStore(table);
    await links.claimCreate('r1', '45', T0, 60_000, 'slow');
    await links.markCreateSent('r1', '45', 'slow', T0 + 1);
    const takeover = await links.claimCreate('r1', '45', T0 + 61_000, 60_000, 'taker');
    // The earliest create whose outcome is unknown stays on the link for the taker to look for.
    expect(takeover.createAttemptedAt).toBe(T0 + 1);
    await expect(links.markCreateSent('r1', '45', 'slow', T0 + 62_000)).rejects.toThrow(CreateClaimConflict);
    await expect(links.recordOrganization('r1', '45', 7, T0 + 62_000, 'slow')).rejects.toThrow(CreateClaimConflict);
    await links.markCreateSent('r1', '45', 'taker', T0 + 63_000);
    await links.recordOrganization('r1', '45', 8, T0 + 64_000, 'taker');
    const link = await links.get('r1', '45');
    expect(link).toMatchObject({ orgId: 8 });
    expect(link?.createAttemptedAt).toBeUndefined();
  });

  it('refuses a create claim once the customer has an organization', async () => {
    const links = new LinkStore(table);
    await links.markSynced('r1', '46', synced(T0), T0);
    await expect(links.claimCreate('r1', '46', T0 + 1, 60_000, 'late')).rejects.toThrow(CreateClaimConflict);
  });

  it('lets a released claim be taken at once, and only its holder release it', async () => {
    const links = new LinkStore(table);
    await links.claimCreate('r1', '47', T0, 60_000, 'first');
    await links.markCreateSent('r1', '47', 'first', T0 + 1);
    await links.releaseClaim('r1', '47', 'other', T0 + 2);
    await expect(links.claimCreate('r1', '47', T0 + 3, 60_000, 'second')).rejects.toThrow(CreateClaimConflict);
    await links.releaseClaim('r1', '47', 'first', T0 + 4);
    const second = await links.claimCreate('r1', '47', T0 + 5, 60_000, 'second');
    expect(second).toMatchObject({ claimId: 'second', createAttemptedAt: T0 + 1 });
  });

  it('never records a disowned organization, and never disowns the recorded one', async () => {
    const links = new LinkStore(table);
    await links.claimCreate('r1', '48', T0, 60_000, 'taker');
    expect(await links.disownOrganization('r1', '48', 7, T0 + 1)).toBe(true);
    await expect(links.recordOrganization('r1', '48', 7, T0 + 2, 'taker')).rejects.toThrow(CreateClaimConflict);
    await links.recordOrganization('r1', '48', 8, T0 + 3, 'taker');
    expect(await links.disownOrganization('r1', '48', 8, T0 + 4)).toBe(false);
    expect((await links.get('r1', '48'))?.strayOrgIds).toEqual(new Set([7]));
    await links.forgetStray('r1', '48', 7);
    expect((await links.get('r1', '48'))?.strayOrgIds).toBeUndefined();
  });

  it('records the org right after the create, then marks the link synced', async () => {
    const links = new LinkStore(table);
    await links.claimCreate('r1', '43', T0, 60_000, 'c');
    await links.recordOrganization('r1', '43', 7, T0 + 1, 'c');
    expect(await links.get('r1', '43')).toMatchObject({ state: 'pending', orgId: 7 });
    await links.markSynced('r1', '43', synced(T0), T0 + 2);
    const link = await links.get('r1', '43');
    expect(link).toMatchObject({ state: 'synced', orgId: 7, personId: 9, fingerprint: `f${T0}` });
    expect(link?.pendingSince).toBeUndefined();
    expect(link?.claimId).toBeUndefined();
  });

  it('refuses to mark an older version synced over a newer one', async () => {
    const links = new LinkStore(table);
    await links.markSynced('r1', '44', synced(T0 + 5000), T0);
    await expect(links.markSynced('r1', '44', synced(T0), T0 + 1)).rejects.toThrow(LinkConflict);
    await links.markSynced('r1', '44', synced(T0 + 5000), T0 + 2);
    expect((await links.get('r1', '44'))?.lastPushedUpdatedAtMs).toBe(T0 + 5000);
  });

  it('marks a customer behind: synced and failed links take the newest reason, claims and exclusions stay', async () => {
    const links = new LinkStore(table);
    await links.markSynced('r3', '1', synced(T0), T0);
    await links.markBehind('r3', '1', 'deferred: QuickBooks throttled', T0 + 1);
    expect(await links.get('r3', '1')).toMatchObject({ state: 'failed', reason: 'deferred: QuickBooks throttled' });
    // Deferred again, now for another reason: the link says where the work waits now.
    await links.markBehind('r3', '1', 'deferred: the Pipedrive token budget is used up', T0 + 2);
    expect(await links.get('r3', '1')).toMatchObject({
      state: 'failed',
      reason: 'deferred: the Pipedrive token budget is used up',
    });

    await links.markState('r3', '2', 'excluded', 'a sub-customer', T0);
    await links.claimCreate('r3', '3', T0, 60_000, 'claim');
    for (const id of ['2', '3']) await links.markBehind('r3', id, 'deferred: anything', T0 + 3);
    expect(await links.get('r3', '2')).toMatchObject({ state: 'excluded', reason: 'a sub-customer' });
    expect(await links.get('r3', '3')).toMatchObject({ state: 'pending' });
  });

  it('reads many links at once and lists a connection page by page', async () => {
    const links = new LinkStore(table);
    await Promise.all(
      Array.from({ length: 130 }, (_, i) =>
        links.markState('r2', String(i), i % 2 === 0 ? 'excluded' : 'failed', 'because', T0),
      ),
    );
    const many = await links.getMany(
      'r2',
      Array.from({ length: 140 }, (_, i) => String(i)),
    );
    expect(many.size).toBe(130);
    expect(many.get('3')).toMatchObject({ state: 'failed', reason: 'because' });
    let total = 0;
    let pages = 0;
    for await (const page of links.list('r2', 50)) {
      total += page.length;
      pages++;
    }
    expect(total).toBe(130);
    expect(pages).toBe(3);
  });
});

describe('BudgetLedger', () => {
  it('never lets concurrent spenders pass the limit', async () => {
    const ledger = new BudgetLedger(table);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => ledger.reserve('company-1', '2026-07-01', 100, 1000, T0)),
    );
    expect(results.filter(Boolean)).toHaveLength(10);
    expect(await ledger.spent('company-1', '2026-07-01')).toEqual({ spent: 1000, calls: 10, byRealm: {} });
    expect(await ledger.reserve('company-1', '2026-07-02', 5, 1000, T0)).toBe(true);
    expect(await ledger.reserve('company-1', '2026-07-02', 2000, 1000, T0)).toBe(false);
  });

  it("records each realm's part of one company's spend in the same item, and refuses both at the shared limit", async () => {
    const ledger = new BudgetLedger(table);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ledger.reserve('company-shared', '2026-07-01', 100, 1000, T0, `realm-${i % 2}`),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(10);
    const { spent, byRealm } = await ledger.spent('company-shared', '2026-07-01');
    expect(spent).toBe(1000);
    expect(Object.keys(byRealm).sort()).toEqual(['realm-0', 'realm-1']);
    expect((byRealm['realm-0'] ?? 0) + (byRealm['realm-1'] ?? 0)).toBe(1000);
  });

  it('keeps each day apart and expires the ledger after 16 days', async () => {
    const ledger = new BudgetLedger(table);
    await ledger.record('company-2', '2026-07-01', 12, T0);
    expect((await ledger.spent('company-2', '2026-07-01')).spent).toBe(12);
    expect((await ledger.spent('company-2', '2026-07-02')).spent).toBe(0);
    const item = await table.client.send(
      new GetCommand({ TableName: table.name, Key: keys.budget('company-2', '2026-07-01') }),
    );
    // Kept 16 days: the sync-health page charts the last 14 (decision 52).
    expect(item.Item?.expiresAt).toBe(Math.floor(T0 / 1000) + 16 * 86_400);
  });
});

describe('LeaseStore', () => {
  it('has one holder at a time, re-entrant for the holder, free after expiry or release', async () => {
    const leases = new LeaseStore(table);
    const taken = await Promise.all(
      Array.from({ length: 10 }, (_, i) => leases.acquire('cdc', 'r1', `o${i}`, T0, 60_000)),
    );
    expect(taken.filter(Boolean)).toHaveLength(1);
    const holder = `o${taken.indexOf(true)}`;
    expect(await leases.acquire('cdc', 'r1', holder, T0 + 1, 60_000)).toBe(true);
    expect(await leases.acquire('cdc', 'r1', 'other', T0 + 30_000, 60_000)).toBe(false);
    expect(await leases.acquire('cdc', 'r1', 'other', T0 + 61_000, 60_000)).toBe(true);
    await leases.release('cdc', 'r1', 'other');
    expect(await leases.acquire('cdc', 'r1', 'third', T0 + 61_001, 60_000)).toBe(true);
  });
});

describe('AuditLog', () => {
  it("pages a customer's history newest first, and recent activity across customers", async () => {
    const audit = new AuditLog(table, 90);
    for (let i = 0; i < 7; i++) {
      await audit.append({
        realmId: 'a1',
        qboId: i % 2 === 0 ? '1' : '2',
        at: T0 + i * 1000,
        source: 'webhook',
        action: i === 0 ? 'created' : 'updated',
        pipedriveTokens: 5,
      });
    }
    const first = await audit.history('a1', '1', { limit: 3 });
    expect(first.entries.map((e) => e.at)).toEqual([T0 + 6000, T0 + 4000, T0 + 2000]);
    const second = await audit.history('a1', '1', { limit: 3, ...(first.next ? { next: first.next } : {}) });
    expect(second.entries.map((e) => e.action)).toEqual(['created']);
    const recent = await audit.recent('a1', { limit: 4 });
    expect(recent.entries.map((e) => `${e.qboId}@${e.at - T0}`)).toEqual(['1@6000', '2@5000', '1@4000', '2@3000']);
    const raw = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.audit('a1', '1', '').pk },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    expect(raw.Items?.[0]?.expiresAt).toBe(Math.floor((T0 + 6000) / 1000) + 90 * 86_400);
  });
});
