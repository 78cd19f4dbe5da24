import { summarizePipedriveFindings } from '../../../functions/sync/pipedrive-findings-summary';
import { DEFAULT_PIPEDRIVE_RULES, DELETED_IN_PIPEDRIVE } from '../../../functions/sync/pipedrive-rules';

const AT = Date.UTC(2026, 11, 3, 3, 0);

describe('what operators see of the Pipedrive-side reconcile (decision 64)', () => {
  it('groups each kind of finding with its customers and the command that resolves it', () => {
    const summary = summarizePipedriveFindings(
      [
        { kind: 'merged', qboId: '30', orgId: 35, survivorId: 10, evidence: 'person', survivorOwner: '34' },
        { kind: 'deleted', qboId: '40', orgId: 45 },
        { kind: 'drift', qboId: '50', orgId: 55, fields: ['address', 'openBalance'] },
        { kind: 'duplicateIdentity', qboId: '51', orgIds: [56, 89], linkedOrgId: 56 },
        { kind: 'identityChanged', qboId: '52', orgId: 57, found: undefined },
        { kind: 'personMoved', qboId: '53', orgId: 58, personId: 501, movedTo: 99 },
      ],
      [],
      DEFAULT_PIPEDRIVE_RULES,
      AT,
    );
    expect(summary.at).toBe(AT);
    expect(summary.groups.map((g) => [g.group, g.count, g.command])).toEqual([
      ['deleted', 1, 'ml-connector replay --customer ID --recreate'],
      ['merged', 1, 'ml-connector replay --customer ID --recreate'],
      ['duplicateIdentity', 1, 'ml-connector reconcile --pipedrive'],
      ['identityChanged', 1, 'ml-connector replay --customer ID'],
      ['drift', 1, 'ml-connector replay --customer ID'],
      ['persons', 1, 'ml-connector replay --customer ID'],
    ]);
    expect(summary.groups.flatMap((g) => g.examples)).toEqual([
      { qboId: '40', orgId: 45, what: 'organization 45 deleted' },
      { qboId: '30', orgId: 10, what: 'organization 35 merged into 10 (customer 34)' },
      { qboId: '51', orgId: 56, what: 'carried by organizations 56, 89' },
      { qboId: '52', orgId: 57, what: 'ID cleared' },
      { qboId: '50', orgId: 55, what: 'edited: address, openBalance' },
      { qboId: '53', orgId: 58, what: 'person 501 moved to 99' },
    ]);
    expect(summary.groups.find((g) => g.group === 'drift')?.title).toContain('rewritten');
  });

  it('keeps showing deletions and merges into another customer’s organization from the links, once each', () => {
    const summary = summarizePipedriveFindings(
      [{ kind: 'deleted', qboId: '40', orgId: 45 }],
      [
        { qboId: '40', state: 'excluded', orgId: 45, reason: DELETED_IN_PIPEDRIVE },
        { qboId: '41', state: 'excluded', reason: DELETED_IN_PIPEDRIVE },
        { qboId: '42', state: 'excluded', orgId: 46, reason: 'a sub-customer' },
        { qboId: '30', state: 'synced', orgId: 10, orgOwner: '34' },
        { qboId: '34', state: 'synced', orgId: 10 },
      ],
      { ...DEFAULT_PIPEDRIVE_RULES, drift: 'report' },
      AT,
    );
    expect(summary.groups.map((g) => [g.group, g.examples.map((e) => e.qboId)])).toEqual([
      ['deleted', ['40', '41']],
      ['merged', ['30']],
    ]);
  });

  it('names ten customers a group and counts them all', () => {
    const findings = Array.from({ length: 25 }, (_, i) => ({
      kind: 'drift' as const,
      qboId: String(100 + i),
      orgId: 200 + i,
      fields: ['name'],
    }));
    const [drift] = summarizePipedriveFindings(findings, [], DEFAULT_PIPEDRIVE_RULES, AT).groups;
    expect(drift).toMatchObject({ group: 'drift', count: 25 });
    expect(drift?.examples).toHaveLength(10);
  });

  it('is empty when nothing differs', () => {
    expect(summarizePipedriveFindings([], [], DEFAULT_PIPEDRIVE_RULES, AT)).toEqual({ at: AT, groups: [] });
  });
});
