import { listedOrganizations, listedPersons } from '../../functions/pipedrive/listed-records';
import { DEFAULT_MAPPING } from '../../functions/sync/default-mapping';
import type { ReconcileLinkView } from '../../functions/sync/pipedrive-findings';
import { reconcilePipedrive } from '../../functions/sync/pipedrive-reconcile';
import { DEFAULT_PIPEDRIVE_RULES } from '../../functions/sync/pipedrive-rules';
import { qualifiedQuickbooksId } from '../../functions/sync/quickbooks-identity';
import { startInProcessHarness } from '../harness/in-process';
import type { BenchResult } from '../shared/results';

/** The Pipedrive list endpoints' largest page and its cost (docs/performance.md#the-floors). */
const PAGE = 500;
const TOKENS_PER_PAGE = 10;

export interface PipedriveReconcileRun {
  organizations: number;
  persons: number;
  pages: number;
  tokens: number;
  findings: number;
  /** Wall-clock seconds of the reconcile (the listing over HTTP to the sandbox, the judging, the rules). */
  seconds: number;
}

export interface PipedriveReconcileFigures {
  organizationsOnly: PipedriveReconcileRun;
  withPersons: PipedriveReconcileRun;
}

/**
 * The Pipedrive-side reconcile (decision 62) of a company whose organizations are all linked, through
 * the production client and budget governor against the Pipedrive sandbox: once with no linked person
 * (only organizations are listed) and once with a person per customer (persons listed too). The
 * records are put into the sandbox's store directly (what a backfill would have left), so the figure
 * is the reconcile's own.
 */
export async function measurePipedriveReconcile(options: {
  dynamoEndpoint: string;
  organizations: number;
}): Promise<PipedriveReconcileFigures> {
  const harness = await startInProcessHarness({
    dynamoEndpoint: options.dynamoEndpoint,
    seedCount: 0,
    budgetShare: 1,
    stores: 'memory',
  });
  try {
    const { pipedriveSandbox, pipedrive, realmId, fields, clock } = harness;
    const store = pipedriveSandbox.store;
    const key = fields.fieldKeys.quickbooksId;
    if (key === undefined) throw new Error('the QuickBooks ID field was not created');
    const links: ReconcileLinkView[] = [];
    const now = clock.now();
    for (let i = 1; i <= options.organizations; i++) {
      const orgId = store.nextId('organization');
      store.organizations.set(orgId, {
        id: orgId,
        name: `Customer ${i}`,
        owner_id: 1,
        visible_to: 3,
        label_ids: [],
        address: null,
        custom_fields: { [key]: qualifiedQuickbooksId(realmId, String(i)) },
        add_time: now,
        update_time: now,
        is_deleted: false,
        merged_into_id: null,
      });
      const personId = store.nextId('person');
      store.persons.set(personId, {
        id: personId,
        name: `Contact ${i}`,
        first_name: null,
        last_name: null,
        owner_id: 1,
        org_id: orgId,
        emails: [],
        phones: [],
        visible_to: 3,
        label_ids: [],
        custom_fields: {},
        add_time: now,
        update_time: now,
        is_deleted: false,
      });
      links.push({ qboId: String(i), state: 'synced', orgId, personId });
    }
    const customFieldKeys = Object.entries(DEFAULT_MAPPING.organization.fields).flatMap(([name, field]) => {
      const fieldKey = field.custom ? fields.fieldKeys[name] : undefined;
      return fieldKey === undefined ? [] : [fieldKey];
    });
    const run = async (linked: readonly ReconcileLinkView[]): Promise<PipedriveReconcileRun> => {
      const started = Date.now();
      const report = await reconcilePipedrive(realmId, {
        organizationPages: () => listedOrganizations(pipedrive, customFieldKeys),
        personPages: () => listedPersons(pipedrive),
        linkPages: async function* () {
          yield await Promise.resolve([...linked]);
        },
        identity: { realmId, ownsBareIds: true },
        fields,
        document: DEFAULT_MAPPING,
        tokensSpent: () => pipedrive.tokensSpent,
        links: harness.links,
        audit: { append: () => Promise.resolve() },
        queue: { send: () => Promise.resolve() },
        now: () => clock.now(),
        rules: DEFAULT_PIPEDRIVE_RULES,
      });
      const persons = linked.some((link) => link.personId !== undefined) ? store.persons.size : 0;
      return {
        organizations: report.organizations,
        persons,
        pages: Math.ceil(report.organizations / PAGE) + Math.ceil(persons / PAGE),
        tokens: report.pipedriveTokens,
        findings: Object.values(report.findings).reduce((sum, count) => sum + count, 0),
        seconds: Math.round((Date.now() - started) / 100) / 10,
      };
    };
    const organizationsOnly = await run(links.map(({ personId: _personId, ...link }) => link));
    const withPersons = await run(links);
    return { organizationsOnly, withPersons };
  } finally {
    await harness.close();
  }
}

/** The figures against their floor: 10 tokens per page of 500 (200 tokens for 10,000 organizations). */
export function pipedriveReconcileResults(figures: PipedriveReconcileFigures): BenchResult[] {
  const row = (name: string, run: PipedriveReconcileRun): BenchResult => {
    const floor = (Math.ceil(run.organizations / PAGE) + Math.ceil(run.persons / PAGE)) * TOKENS_PER_PAGE;
    return {
      name,
      value: run.tokens,
      unit: 'tokens',
      floor: `${floor.toLocaleString('en-US')} tokens (${run.pages} pages of ${PAGE} at ${TOKENS_PER_PAGE})`,
      note: `${run.organizations.toLocaleString('en-US')} organizations${run.persons ? `, ${run.persons.toLocaleString('en-US')} persons` : ''} listed through the client and budget governor (Pipedrive sandbox); ${run.findings} findings; ${run.seconds} s wall clock`,
    };
  };
  return [
    row(
      `Pipedrive-side reconcile, ${figures.organizationsOnly.organizations.toLocaleString('en-US')} organizations`,
      figures.organizationsOnly,
    ),
    row(
      `Pipedrive-side reconcile, ${figures.withPersons.organizations.toLocaleString('en-US')} organizations with a linked person each`,
      figures.withPersons,
    ),
  ];
}
