import { MemoryLedger, MemoryLinks } from '../../bench/harness/memory-stores';
import { LinkConflict } from '../../functions/sync/ports';

/** The benchmark's in-memory twins must keep LinkStore's and BudgetLedger's conditions (see stores.test.ts). */
const T0 = Date.parse('2026-07-01T00:00:00Z');
const synced = (ms: number) => ({
  orgId: 7,
  pushed: { ms },
  personId: 9,
  fingerprint: `f${ms}`,
  lastPushedUpdatedTime: new Date(ms).toISOString(),
  lastPushedUpdatedAtMs: ms,
  lastPushedSyncToken: '1',
});

describe('MemoryLinks', () => {
  it('lets one worker claim a create; a fresh claim blocks others with a LinkConflict, a stale one is taken over', async () => {
    const links = new MemoryLinks();
    await links.claimCreate('r1', '42', T0, 60_000, 'slow');
    await links.markCreateSent('r1', '42', 'slow', T0 + 1);
    await expect(links.claimCreate('r1', '42', T0 + 30_000, 60_000, 'early')).rejects.toThrow(LinkConflict);
    const takeover = await links.claimCreate('r1', '42', T0 + 61_000, 60_000, 'taker');
    expect(takeover).toMatchObject({ state: 'pending', pendingSince: T0 + 61_000, createAttemptedAt: T0 + 1 });
    // The attempt that was taken over is fenced out.
    await expect(links.recordOrganization('r1', '42', 7, T0 + 62_000, 'slow')).rejects.toThrow(LinkConflict);
    expect(await links.disownOrganization('r1', '42', 7, T0 + 62_000)).toBe(true);
    await expect(links.recordOrganization('r1', '42', 7, T0 + 63_000, 'taker')).rejects.toThrow(LinkConflict);
    await links.recordOrganization('r1', '42', 8, T0 + 63_000, 'taker');
    await expect(links.claimCreate('r1', '42', T0 + 999_000, 60_000, 'late')).rejects.toThrow(LinkConflict);
  });

  it('records the org, marks the link synced and refuses an older version over a newer one', async () => {
    const links = new MemoryLinks();
    await links.claimCreate('r1', '43', T0, 60_000, 'c');
    await links.recordOrganization('r1', '43', 7, T0 + 1, 'c');
    await links.markSynced('r1', '43', synced(T0 + 5000), T0 + 2);
    const link = (await links.getMany('r1', ['43'])).get('43');
    expect(link).toMatchObject({ state: 'synced', orgId: 7, personId: 9, fingerprint: `f${T0 + 5000}` });
    expect(link?.pendingSince).toBeUndefined();
    await expect(links.markSynced('r1', '43', synced(T0), T0 + 3)).rejects.toThrow(LinkConflict);
  });

  it('re-pointing keeps the state and forgets what was pushed', async () => {
    const links = new MemoryLinks();
    await links.markSynced('r1', '44', synced(T0), T0);
    await links.repoint('r1', '44', 8, T0 + 1);
    const link = (await links.getMany('r1', ['44', 'absent'])).get('44');
    expect(link).toMatchObject({ state: 'synced', orgId: 8 });
    expect(link?.fingerprint).toBeUndefined();
  });
});

describe('MemoryLedger', () => {
  it('reserves only while the day stays within the limit', async () => {
    const ledger = new MemoryLedger();
    expect(await ledger.reserve('c1', '2026-07-01', 6, 10)).toBe(true);
    expect(await ledger.reserve('c1', '2026-07-01', 5, 10)).toBe(false);
    expect(await ledger.reserve('c1', '2026-07-01', 4, 10)).toBe(true);
    expect(await ledger.reserve('c1', '2026-07-02', 10, 10)).toBe(true);
  });
});
