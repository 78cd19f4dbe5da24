import { DEFAULT_MAPPING } from '../../../functions/sync/default-mapping';
import type { PipedriveFindingsSummary } from '../../../functions/sync/pipedrive-findings-summary';
import type { ListedOrganization } from '../../../functions/sync/pipedrive-drift';
import type { ListedPerson, ReconcileLinkView } from '../../../functions/sync/pipedrive-findings';
import { reconcilePipedrive } from '../../../functions/sync/pipedrive-reconcile';
import { DEFAULT_PIPEDRIVE_RULES } from '../../../functions/sync/pipedrive-rules';
import type { AuditRecord } from '../../../functions/sync/ports';
import type { QueuedMessage } from '../../../functions/sync/sync-message';

const REALM = '9130';
const fields = { fieldKeys: { quickbooksId: 'k_qbo' }, fieldOptions: {} };

/** A fake listing that charges 10 tokens a page, as the v2 list endpoints do. */
function pages<T>(items: T[], size: number, charge: () => void) {
  return async function* (): AsyncGenerator<T[]> {
    for (let start = 0; start < items.length; start += size) {
      charge();
      yield await Promise.resolve(items.slice(start, start + size));
    }
  };
}

function run(organizations: ListedOrganization[], persons: ListedPerson[], links: ReconcileLinkView[]) {
  let tokens = 0;
  const charge = () => (tokens += 10);
  let personPagesRead = 0;
  const audit: AuditRecord[] = [];
  const sent: QueuedMessage[] = [];
  const summaries: [string, PipedriveFindingsSummary][] = [];
  const report = reconcilePipedrive(REALM, {
    organizationPages: pages(organizations, 500, charge),
    personPages: pages(persons, 500, () => {
      personPagesRead++;
      charge();
    }),
    linkPages: pages(links, 100, () => undefined),
    identity: { realmId: REALM, ownsBareIds: false },
    fields,
    document: DEFAULT_MAPPING,
    tokensSpent: () => tokens,
    links: {
      markState: () => Promise.resolve(),
      repoint: () => Promise.resolve(),
      forgetOrganization: () => Promise.resolve(),
    },
    audit: { append: (entry) => Promise.resolve(audit.push(entry)) },
    queue: { send: (messages) => Promise.resolve(void sent.push(...messages)) },
    now: () => Date.UTC(2026, 11, 2),
    rules: DEFAULT_PIPEDRIVE_RULES,
    findingsSummary: { save: (realmId, summary) => Promise.resolve(summaries.push([realmId, summary])) },
  });
  return { report, personPagesRead: () => personPagesRead, audit, sent, summaries };
}

const org = (id: number, qboId?: string): ListedOrganization => ({
  id,
  name: `Org ${id}`,
  customFields: { k_qbo: qboId === undefined ? null : `${REALM}:${qboId}` },
});

describe('reconcilePipedrive (decision 62)', () => {
  it('lists 10,000 organizations in 20 pages of 500 (200 tokens) and no person when no link has one', async () => {
    const organizations = Array.from({ length: 10_000 }, (_, i) => org(i + 1, String(i + 1)));
    const links = organizations.map((o) => ({ qboId: String(o.id), state: 'synced' as const, orgId: o.id }));
    const { report, personPagesRead } = run(organizations, [{ id: 1, orgId: 1 }], links);
    expect(await report).toMatchObject({ organizations: 10_000, links: 10_000, findings: {}, pipedriveTokens: 200 });
    expect(personPagesRead()).toBe(0);
  });

  it('counts the findings by kind, applies the rules and audits each', async () => {
    const { report, audit, sent, summaries } = run(
      [org(10, '34'), org(89, '34'), org(12)],
      [{ id: 500, orgId: 12 }],
      [
        { qboId: '34', state: 'synced', orgId: 10 },
        { qboId: '30', state: 'synced', orgId: 35, personId: 500 },
      ],
    );
    expect(await report).toMatchObject({
      findings: { duplicateIdentity: 1, merged: 1 },
      held: 1,
      relinked: 1,
      repushed: 1,
      pipedriveTokens: 20,
    });
    expect(audit.map((entry) => [entry.qboId, entry.action])).toEqual([
      ['34', 'held'],
      ['30', 'merged'],
    ]);
    expect(sent.map((message) => message.body.id)).toEqual(['30']);
    // What operators see: one summary per run, grouped, with the command that resolves each (decision 64).
    expect(summaries.map(([realmId, summary]) => [realmId, summary.groups.map((g) => [g.group, g.count])])).toEqual([
      [
        REALM,
        [
          ['merged', 1],
          ['duplicateIdentity', 1],
        ],
      ],
    ]);
  });
});
