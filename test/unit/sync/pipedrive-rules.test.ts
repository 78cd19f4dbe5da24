import type { PipedriveFinding } from '../../../functions/sync/pipedrive-findings';
import {
  applyPipedriveRules,
  DEFAULT_PIPEDRIVE_RULES,
  DELETED_IN_PIPEDRIVE,
  type PipedriveRules,
} from '../../../functions/sync/pipedrive-rules';
import type { AuditRecord } from '../../../functions/sync/ports';
import type { QueuedMessage } from '../../../functions/sync/sync-message';

const NOW = Date.UTC(2026, 11, 2, 3, 0);

function harness(rules: PipedriveRules = DEFAULT_PIPEDRIVE_RULES) {
  const calls: unknown[][] = [];
  const audit: AuditRecord[] = [];
  const sent: QueuedMessage[] = [];
  const record = (call: unknown[]) => Promise.resolve(void calls.push(call));
  const deps = {
    links: {
      markState: (...args: unknown[]) => record(['markState', ...args]),
      repoint: (...args: unknown[]) => record(['repoint', ...args]),
      forgetOrganization: (...args: unknown[]) => record(['forgetOrganization', ...args]),
    },
    audit: { append: (entry: AuditRecord) => Promise.resolve(audit.push(entry)) },
    queue: { send: (messages: readonly QueuedMessage[]) => Promise.resolve(void sent.push(...messages)) },
    now: () => NOW,
    rules,
  };
  const run = (findings: PipedriveFinding[]) => applyPipedriveRules('9130', findings, deps);
  const repushed = () => sent.map((message) => [message.body.id, message.body.repush, message.body.source]);
  return { calls, audit, run, repushed };
}

describe('the rules for what the Pipedrive-side reconcile found (decision 62)', () => {
  it('re-links a customer whose organization was merged into an unowned one, and repushes it', async () => {
    const h = harness();
    const outcome = await h.run([{ kind: 'merged', qboId: '30', orgId: 35, survivorId: 12, evidence: 'identity' }]);
    expect(h.calls).toEqual([['repoint', '9130', '30', 12, NOW, undefined]]);
    expect(h.repushed()).toEqual([['30', true, 'reconcile']]);
    expect(outcome).toMatchObject({ relinked: 1, repushed: 1 });
    expect(h.audit[0]).toMatchObject({ action: 'merged', orgId: 12, source: 'reconcile' });
  });

  it('follows a merge into another customer’s organization as a "merged into" link, never recreating (decision 64)', async () => {
    const h = harness();
    const outcome = await h.run([
      { kind: 'merged', qboId: '30', orgId: 35, survivorId: 10, evidence: 'person', survivorOwner: '34' },
    ]);
    // The link names the survivor's owner, so the worker writes only the person there.
    expect(h.calls).toEqual([['repoint', '9130', '30', 10, NOW, '34']]);
    expect(h.repushed()).toEqual([['30', true, 'reconcile']]);
    expect(outcome).toMatchObject({ relinked: 1, held: 0, repushed: 1 });
    expect(h.audit[0]).toMatchObject({ action: 'merged', orgId: 10 });
    expect(h.audit[0]?.note).toContain('merged in Pipedrive into 10 (customer 34)');
    expect(h.audit[0]?.note).toContain('ml-connector replay --customer 30 --recreate');
  });

  it('respects a deletion by default: the customer is excluded, nothing is queued', async () => {
    const h = harness();
    await h.run([{ kind: 'deleted', qboId: '30', orgId: 35 }]);
    expect(h.calls).toEqual([['markState', '9130', '30', 'excluded', DELETED_IN_PIPEDRIVE, NOW]]);
    expect(h.repushed()).toEqual([]);
    expect(h.audit[0]).toMatchObject({ action: 'excluded', orgId: 35 });
    expect(h.audit[0]?.note).toContain('ml-connector replay --customer 30 --recreate');
  });

  it('recreates a deleted organization under the rule recreate', async () => {
    const h = harness({ ...DEFAULT_PIPEDRIVE_RULES, deleted: 'recreate' });
    await h.run([{ kind: 'deleted', qboId: '30', orgId: 35 }]);
    expect(h.calls).toEqual([['forgetOrganization', '9130', '30', NOW]]);
    expect(h.repushed()).toEqual([['30', true, 'reconcile']]);
  });

  it('rewrites drift and restores a changed identity with one repush per customer', async () => {
    const h = harness();
    await h.run([
      { kind: 'identityChanged', qboId: '34', orgId: 10, found: undefined },
      { kind: 'drift', qboId: '34', orgId: 10, fields: ['address'] },
    ]);
    expect(h.repushed()).toEqual([['34', true, 'reconcile']]);
    expect(h.audit.map((entry) => entry.action)).toEqual(['found', 'found']);
  });

  it('only reports drift and moved persons under the report rules', async () => {
    const h = harness({ ...DEFAULT_PIPEDRIVE_RULES, drift: 'report' });
    const outcome = await h.run([
      { kind: 'drift', qboId: '34', orgId: 10, fields: ['openBalance'] },
      { kind: 'personMoved', qboId: '35', orgId: 11, personId: 501, movedTo: 99 },
    ]);
    expect(h.repushed()).toEqual([]);
    expect(outcome.reported).toBe(2);
    expect(h.audit.map((entry) => entry.note)).toEqual([
      expect.stringContaining('reported only'),
      expect.stringContaining('moved to organization 99'),
    ]);
  });

  it('holds a duplicate identity for review without moving the link, and skips the customer’s other findings', async () => {
    const h = harness();
    await h.run([
      { kind: 'duplicateIdentity', qboId: '51', orgIds: [10, 89], linkedOrgId: 10 },
      { kind: 'drift', qboId: '51', orgId: 10, fields: ['name'] },
    ]);
    expect(h.calls).toEqual([['markState', '9130', '51', 'review', expect.stringContaining('stays on 10'), NOW]]);
    expect(h.repushed()).toEqual([]);
    expect(h.audit).toHaveLength(1);
  });
});
