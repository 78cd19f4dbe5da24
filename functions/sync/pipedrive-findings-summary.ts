import * as z from '../shared/zod-mini';
import type { PipedriveFinding } from './pipedrive-findings';
import { DELETED_IN_PIPEDRIVE, type PipedriveRules } from './pipedrive-rules';
import type { LinkView } from './ports';

/** Customers named per group; the count says how many there are in all. */
const EXAMPLES_PER_GROUP = 10;

export const PIPEDRIVE_FINDING_GROUPS = [
  'deleted',
  'merged',
  'duplicateIdentity',
  'identityChanged',
  'drift',
  'persons',
] as const;

export const PipedriveFindingGroup = z.object({
  group: z.enum(PIPEDRIVE_FINDING_GROUPS),
  title: z.string(),
  /** What the connector did, and what is left for a person. */
  advice: z.string(),
  /** The command that resolves it (`ID`: the customer's QuickBooks id). */
  command: z.string(),
  count: z.number(),
  examples: z.array(z.object({ qboId: z.string(), orgId: z.optional(z.number()), what: z.string() })),
});
export type PipedriveFindingGroup = z.infer<typeof PipedriveFindingGroup>;

/** What operators see of the last Pipedrive-side reconcile (`status`, the health page; decision 64). */
export const PipedriveFindingsSummary = z.object({
  at: z.number(),
  groups: z.array(PipedriveFindingGroup),
});
export type PipedriveFindingsSummary = z.infer<typeof PipedriveFindingsSummary>;

export type SummaryLinkView = Pick<LinkView, 'qboId' | 'state' | 'orgId' | 'orgOwner' | 'reason'>;

type Group = PipedriveFindingGroup['group'];
type Heading = Omit<PipedriveFindingGroup, 'group' | 'count' | 'examples'>;

function headings(rules: PipedriveRules): Record<Group, Heading> {
  return {
    deleted: {
      title: 'Deleted in Pipedrive: excluded',
      advice:
        rules.deleted === 'exclude'
          ? 'A rep deleted the organization; the connector respects it and writes nothing for the customer.'
          : 'A rep deleted the organization; the rule recreate creates it again.',
      command: 'ml-connector replay --customer ID --recreate',
    },
    merged: {
      title: 'Merged in Pipedrive: followed',
      advice:
        'Re-linked to the organization a rep merged it into, never recreated. Into another customer’s: only the person is written there; the command gives the customer its own organization again.',
      command: 'ml-connector replay --customer ID --recreate',
    },
    duplicateIdentity: {
      title: 'One QuickBooks ID on several organizations: held for review',
      advice: 'The link is not moved. Clear the QuickBooks ID on the copies (or merge them) in Pipedrive, then:',
      command: 'ml-connector reconcile --pipedrive',
    },
    identityChanged: {
      title: 'QuickBooks ID changed or cleared in Pipedrive: restored',
      advice: 'The connector writes the ID back. If it keeps coming back, ask who edits it; to restore it now:',
      command: 'ml-connector replay --customer ID',
    },
    drift: {
      title:
        rules.drift === 'rewrite' ? 'Edited by hand in Pipedrive: rewritten' : 'Edited by hand in Pipedrive: reported',
      advice:
        rules.drift === 'rewrite'
          ? 'Owned fields edited in Pipedrive are written back from QuickBooks. To rewrite one now:'
          : 'The rule report leaves hand edits in place. To write QuickBooks’ values back:',
      command: 'ml-connector replay --customer ID',
    },
    persons: {
      title: 'Linked person deleted or moved in Pipedrive',
      advice:
        rules.persons === 'restore'
          ? 'The person is written again.'
          : 'Reported only (rule report). To write the person again:',
      command: 'ml-connector replay --customer ID',
    },
  };
}

function groupOf(finding: PipedriveFinding): Group {
  if (finding.kind === 'personDeleted' || finding.kind === 'personMoved') return 'persons';
  return finding.kind;
}

function findingText(finding: PipedriveFinding): { orgId?: number; what: string } {
  switch (finding.kind) {
    case 'merged':
      return {
        orgId: finding.survivorId,
        what: `organization ${finding.orgId} merged into ${finding.survivorId}${finding.survivorOwner !== undefined ? ` (customer ${finding.survivorOwner})` : ''}`,
      };
    case 'deleted':
      return { orgId: finding.orgId, what: `organization ${finding.orgId} deleted` };
    case 'drift':
      return { orgId: finding.orgId, what: `edited: ${finding.fields.join(', ')}` };
    case 'duplicateIdentity':
      return {
        ...(finding.linkedOrgId !== undefined ? { orgId: finding.linkedOrgId } : {}),
        what: `carried by organizations ${finding.orgIds.join(', ')}`,
      };
    case 'identityChanged':
      return { orgId: finding.orgId, what: finding.found ? `ID changed to ${finding.found}` : 'ID cleared' };
    case 'personDeleted':
      return { orgId: finding.orgId, what: `person ${finding.personId} deleted` };
    case 'personMoved':
      return {
        orgId: finding.orgId,
        what: `person ${finding.personId} moved to ${finding.movedTo ?? 'no organization'}`,
      };
  }
}

/**
 * The findings of a Pipedrive-side reconcile, grouped for operators, each group with the command that
 * resolves it (decision 64). Deletions and merges into another customer's organization are found
 * once; what they left on the links (excluded "deleted in Pipedrive", "merged into" links) is counted
 * at every run, so they stay visible until an operator resolves them.
 */
export function summarizePipedriveFindings(
  findings: readonly PipedriveFinding[],
  links: readonly SummaryLinkView[],
  rules: PipedriveRules,
  at: number,
): PipedriveFindingsSummary {
  const named = new Map<Group, Map<string, { orgId?: number; what: string }>>();
  const add = (group: Group, qboId: string, entry: { orgId?: number; what: string }) => {
    const customers = named.get(group) ?? new Map<string, { orgId?: number; what: string }>();
    if (!customers.has(qboId)) customers.set(qboId, entry);
    named.set(group, customers);
  };
  for (const finding of findings) add(groupOf(finding), finding.qboId, findingText(finding));
  for (const link of links) {
    if (link.state === 'excluded' && link.reason === DELETED_IN_PIPEDRIVE)
      add('deleted', link.qboId, {
        ...(link.orgId !== undefined ? { orgId: link.orgId } : {}),
        what: `organization${link.orgId !== undefined ? ` ${link.orgId}` : ''} deleted`,
      });
    if (link.orgOwner !== undefined && link.orgId !== undefined)
      add('merged', link.qboId, {
        orgId: link.orgId,
        what: `merged into ${link.orgId} (customer ${link.orgOwner})`,
      });
  }
  const heading = headings(rules);
  const groups: PipedriveFindingGroup[] = [];
  for (const group of PIPEDRIVE_FINDING_GROUPS) {
    const customers = named.get(group);
    if (!customers) continue;
    groups.push({
      group,
      ...heading[group],
      count: customers.size,
      examples: [...customers].slice(0, EXAMPLES_PER_GROUP).map(([qboId, entry]) => ({ qboId, ...entry })),
    });
  }
  return { at, groups };
}
