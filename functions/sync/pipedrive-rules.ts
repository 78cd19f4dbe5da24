import type { PipedriveFinding } from './pipedrive-findings';
import type { AuditRecord, AuditTrail, LinkRepository } from './ports';
import { type MessageQueue, queued, type SyncMessage, syncMessage } from './sync-message';

/** The reason an excluded customer carries once a rep deleted its organization (the worker leaves it alone). */
export const DELETED_IN_PIPEDRIVE = 'deleted in Pipedrive';

/**
 * What the connector does about each kind of finding (decision 62). A merge is always followed (never
 * recreated; into another customer's organization as a "merged into" link, decision 64) and a
 * duplicate identity always held; the rest is configurable.
 */
export interface PipedriveRules {
  /** `exclude`: respect the rep's deletion; `recreate`: QBO is the source of truth, create it again. */
  deleted: 'exclude' | 'recreate';
  /** `rewrite`: push the owned fields again; `report`: audit only. */
  drift: 'rewrite' | 'report';
  /** A linked person deleted or moved: `report` (audit only) or `restore` (push the customer again). */
  persons: 'report' | 'restore';
}

export const DEFAULT_PIPEDRIVE_RULES: Readonly<PipedriveRules> = Object.freeze({
  deleted: 'exclude',
  drift: 'rewrite',
  persons: 'report',
});

export interface RuleDependencies {
  links: Pick<LinkRepository, 'markState' | 'repoint' | 'forgetOrganization'>;
  audit: AuditTrail;
  /** The bulk queue: reconcile work must not hold up realtime changes. */
  queue: MessageQueue;
  now: () => number;
  rules: PipedriveRules;
  /**
   * Where the findings came from when not the daily reconcile: a Pipedrive webhook (decision 63) audits
   * as `webhook` and names its repush after the event, so two edits of one day are both repaired.
   */
  origin?: { source: 'webhook'; eventId: string };
}

export interface RuleOutcome {
  relinked: number;
  excluded: number;
  held: number;
  /** Customers queued for a full write (drift rewritten, identity restored, re-linked, recreated). */
  repushed: number;
  /** Findings only audited (by a `report` rule). */
  reported: number;
}

type Step = { action: AuditRecord['action']; note: string; orgId?: number; repush?: boolean; personId?: number };

/** Applies the rules to what the Pipedrive-side reconcile found; every action is audited (source `reconcile`). */
export async function applyPipedriveRules(
  realmId: string,
  findings: readonly PipedriveFinding[],
  deps: RuleDependencies,
): Promise<RuleOutcome> {
  const outcome: RuleOutcome = { relinked: 0, excluded: 0, held: 0, repushed: 0, reported: 0 };
  const now = deps.now();
  const day = new Date(now).toISOString().slice(0, 10);
  const repush = new Set<string>();
  // Once a customer's organization is found gone, or the customer held, its other findings wait for the next run.
  const settled = new Set<string>();
  for (const finding of findings) {
    if (settled.has(finding.qboId)) continue;
    const step = await applyOne(realmId, finding, deps, now, outcome);
    if (finding.kind === 'merged' || finding.kind === 'deleted' || finding.kind === 'duplicateIdentity')
      settled.add(finding.qboId);
    if (step.repush) repush.add(finding.qboId);
    await deps.audit.append({
      realmId,
      qboId: finding.qboId,
      at: now,
      source: deps.origin?.source ?? 'reconcile',
      action: step.action,
      pipedriveTokens: 0,
      ...(step.orgId !== undefined ? { orgId: step.orgId } : {}),
      ...(step.personId !== undefined ? { personId: step.personId } : {}),
      note: step.note,
    });
  }
  const messages: SyncMessage[] = [...repush].map((qboId) =>
    syncMessage({
      realmId,
      kind: 'customer',
      id: qboId,
      source: deps.origin?.source ?? 'reconcile',
      eventId: deps.origin ? `${deps.origin.eventId}>${qboId}` : `pipedrive-reconcile:${day}:${qboId}`,
      repush: true,
      enqueuedAt: now,
    }),
  );
  await deps.queue.send(messages.map(queued));
  outcome.repushed = messages.length;
  return outcome;
}

async function applyOne(
  realmId: string,
  finding: PipedriveFinding,
  deps: RuleDependencies,
  now: number,
  outcome: RuleOutcome,
): Promise<Step> {
  const { links, rules } = deps;
  switch (finding.kind) {
    case 'merged':
    case 'deleted':
      return goneStep(realmId, finding, deps, now, outcome);
    case 'duplicateIdentity':
      // Never moves the link: the organization the customer is linked to keeps being written.
      if (finding.linkedOrgId !== undefined)
        await links.markState(
          realmId,
          finding.qboId,
          'review',
          `organizations ${finding.orgIds.join(', ')} carry this customer's QuickBooks ID; the link stays on ${finding.linkedOrgId}: clear the ID on the copies or merge them in Pipedrive`,
          now,
        );
      outcome.held++;
      return {
        action: 'held',
        ...(finding.linkedOrgId !== undefined ? { orgId: finding.linkedOrgId } : {}),
        note: `organizations ${finding.orgIds.join(', ')} carry the same QuickBooks ID; held for review`,
      };
    case 'identityChanged':
      return {
        action: 'found',
        orgId: finding.orgId,
        repush: true,
        note: `the QuickBooks ID on organization ${finding.orgId} was ${finding.found ? `changed to ${finding.found}` : 'cleared'}; restoring it`,
      };
    case 'drift':
      if (rules.drift === 'report') outcome.reported++;
      return {
        action: 'found',
        orgId: finding.orgId,
        repush: rules.drift === 'rewrite',
        note: `edited in Pipedrive: ${finding.fields.join(', ')}; ${rules.drift === 'rewrite' ? 'rewriting' : 'reported only (rule report)'}`,
      };
    case 'personDeleted':
    case 'personMoved': {
      if (rules.persons === 'report') outcome.reported++;
      const what =
        finding.kind === 'personDeleted'
          ? `person ${finding.personId} was deleted in Pipedrive`
          : `person ${finding.personId} was moved to organization ${finding.movedTo ?? 'none'}`;
      return {
        action: 'found',
        orgId: finding.orgId,
        personId: finding.personId,
        repush: rules.persons === 'restore',
        note: `${what}; ${rules.persons === 'restore' ? 'restoring' : 'reported only (rule report)'}`,
      };
    }
  }
}

/**
 * What the link, status and audit say of a customer whose organization a rep merged into another
 * customer's (decision 64), with the command that gives it its own organization again.
 */
export function mergedIntoOtherNote(
  qboId: string,
  orgId: number,
  survivorId: number,
  owner: string,
  evidence?: string,
): string {
  return `organization ${orgId} was merged in Pipedrive into ${survivorId} (customer ${owner})${evidence ? ` (told by ${evidence})` : ''}; re-linked there: its fields stay customer ${owner}'s, this customer's person is kept; \`ml-connector replay --customer ${qboId} --recreate\` gives it its own organization again`;
}

/** A linked organization merged away or deleted: followed, held, excluded or recreated. */
async function goneStep(
  realmId: string,
  finding: Extract<PipedriveFinding, { kind: 'merged' | 'deleted' }>,
  deps: RuleDependencies,
  now: number,
  outcome: RuleOutcome,
): Promise<Step> {
  const { links, rules } = deps;
  if (finding.kind === 'merged') {
    // Into another customer's organization: followed too, as a "merged into" link (decision 64). The
    // survivor keeps its owner's fields and identity; this customer's person is kept there.
    const owner = finding.survivorOwner;
    await links.repoint(realmId, finding.qboId, finding.survivorId, now, owner);
    outcome.relinked++;
    return {
      action: 'merged',
      orgId: finding.survivorId,
      repush: true,
      note:
        owner === undefined
          ? `organization ${finding.orgId} was merged in Pipedrive into ${finding.survivorId} (told by ${finding.evidence}); re-linked`
          : mergedIntoOtherNote(finding.qboId, finding.orgId, finding.survivorId, owner, finding.evidence),
    };
  }
  if (rules.deleted === 'recreate') {
    await links.forgetOrganization(realmId, finding.qboId, now);
    return {
      action: 'found',
      orgId: finding.orgId,
      repush: true,
      note: `organization ${finding.orgId} was deleted in Pipedrive; queued to be created again (rule recreate)`,
    };
  }
  await links.markState(realmId, finding.qboId, 'excluded', DELETED_IN_PIPEDRIVE, now);
  outcome.excluded++;
  return {
    action: 'excluded',
    orgId: finding.orgId,
    note: `organization ${finding.orgId} was ${DELETED_IN_PIPEDRIVE}; the customer is excluded (\`ml-connector replay --customer ${finding.qboId} --recreate\` creates it again)`,
  };
}
