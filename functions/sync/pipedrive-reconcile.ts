import type { MappingDocument } from './mapping-document';
import type { FieldKeys } from './pipedrive-body';
import type { ListedOrganization } from './pipedrive-drift';
import {
  findPipedriveDifferences,
  type ListedPerson,
  type PipedriveFinding,
  type ReconcileLinkView,
} from './pipedrive-findings';
import { type PipedriveFindingsSummary, summarizePipedriveFindings } from './pipedrive-findings-summary';
import { applyPipedriveRules, type RuleDependencies, type RuleOutcome } from './pipedrive-rules';
import type { QuickbooksIdentity } from './quickbooks-identity';

export interface PipedriveReconcileDependencies extends RuleDependencies {
  /** Every live organization of the company with the connector's custom fields (10 tokens per page of 500). */
  organizationPages(): AsyncGenerator<ListedOrganization[]>;
  /** Every person (10 tokens per page of 500); listed only when some link has a person. */
  personPages(): AsyncGenerator<ListedPerson[]>;
  linkPages(realmId: string): AsyncGenerator<ReconcileLinkView[]>;
  identity: QuickbooksIdentity;
  fields: FieldKeys;
  document: MappingDocument;
  /** Pipedrive tokens spent so far by the client these pages come from. */
  tokensSpent(): number;
  /** Where operators' `status` and health page read the findings from (decision 64). */
  findingsSummary?: { save(realmId: string, summary: PipedriveFindingsSummary): Promise<unknown> };
}

export interface PipedriveReconcileReport extends RuleOutcome {
  organizations: number;
  links: number;
  findings: Partial<Record<PipedriveFinding['kind'], number>>;
  pipedriveTokens: number;
}

/**
 * The reconcile from the Pipedrive side (decision 62, docs/architecture.md#flows): lists the company's
 * organizations (and the linked persons) once, compares them with the links and what was last
 * pushed, and applies the rules to what differs. Writes go through the bulk queue as repushes.
 */
export async function reconcilePipedrive(
  realmId: string,
  deps: PipedriveReconcileDependencies,
): Promise<PipedriveReconcileReport> {
  const tokensBefore = deps.tokensSpent();
  const links: ReconcileLinkView[] = [];
  for await (const page of deps.linkPages(realmId)) links.push(...page);
  const organizations: ListedOrganization[] = [];
  for await (const page of deps.organizationPages()) organizations.push(...page);
  const linkedPersons = new Set(links.flatMap((link) => (link.personId !== undefined ? [link.personId] : [])));
  let persons: Map<number, ListedPerson> | undefined;
  if (linkedPersons.size > 0) {
    persons = new Map();
    for await (const page of deps.personPages())
      for (const person of page) if (linkedPersons.has(person.id)) persons.set(person.id, person);
  }
  const findings = findPipedriveDifferences({
    identity: deps.identity,
    fields: deps.fields,
    document: deps.document,
    organizations,
    persons,
    links,
  });
  const counts: Partial<Record<PipedriveFinding['kind'], number>> = {};
  for (const finding of findings) counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
  const outcome = await applyPipedriveRules(realmId, findings, deps);
  await deps.findingsSummary?.save(realmId, summarizePipedriveFindings(findings, links, deps.rules, deps.now()));
  return {
    organizations: organizations.length,
    links: links.length,
    findings: counts,
    ...outcome,
    pipedriveTokens: deps.tokensSpent() - tokensBefore,
  };
}
