import { connectorShare, dailyTokenBudget } from '../../functions/pipedrive/plans';
import { BudgetLedger } from '../../functions/store/budget-ledger';
import { ConnectionStore } from '../../functions/store/connections';
import { LinkStore } from '../../functions/store/link-store';
import { CUSTOM_FIELDS } from '../../functions/sync/pipedrive-fields';
import type { LocalStack } from '../../local/stack/local-stack';
import { localDocumentClient } from '../helpers/dynamodb';
import { control } from '../helpers/quickbooks-sandbox';
import { startTestStack } from './test-stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack(0);
}, 60_000);
afterAll(() => stack.close());

const liveOrgs = () => [...stack.pipedrive.store.organizations.values()].filter((o) => !o.is_deleted);
const orgNames = () => liveOrgs().map((o) => o.name);

/** Waits for the asynchronous pipeline (webhook → queue → worker), polling state rather than sleeping blindly. */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the local stack');
    await stack.qbo.state.webhooks.pump();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const customer = async (realm: string, name: string) =>
  (
    (await control(stack.qbo, 'POST', `/realms/${realm}/customers`, { DisplayName: name, CompanyName: name })).body as {
      Customer: { Id: string };
    }
  ).Customer.Id;

type Row = { qboId: string; action: string; method: string; orgId?: number };
type Backfill = { summary: { customers: number; linked: number; toCreate: number; review: number }; rows: Row[] };

/** Dry run, then apply: the apply must do exactly what the dry run said (decision 35). */
async function backfill(realmId: string): Promise<Backfill> {
  const dry = (await stack.invoke('backfill', { realmId, dryRun: true })) as Backfill;
  const applied = (await stack.invoke('backfill', { realmId, dryRun: false })) as Backfill;
  const shape = (rows: Row[]) => rows.map((row) => [row.qboId, row.action, row.method, row.orgId]);
  expect(shape(dry.rows)).toEqual(shape(applied.rows));
  expect(dry.summary).toEqual({ ...applied.summary, dryRun: true, enqueued: 0 });
  return applied;
}

describe('two QuickBooks companies into one Pipedrive company on the local stack', () => {
  it('keeps colliding customer ids apart, shares one set of fields and one budget, and reconciles clean', async () => {
    const first = stack.qbo.describe().realmId;
    const firstIds = [
      await customer(first, 'Łódź Logistics Software & Partners'),
      await customer(first, 'Harbor Light Catering'),
      await customer(first, 'Keystone Plumbing'),
    ];
    expect((await stack.connect()).realmId).toBe(first);
    expect((await backfill(first)).summary).toMatchObject({ customers: 3, toCreate: 3 });
    await eventually(() => liveOrgs().length === 3);

    // The second company numbers its customers from 1 too: every id collides, one name as well.
    const second = (
      (await control(stack.qbo, 'POST', '/realms', { companyName: 'Second Books Ltd' })).body as {
        realmId: string;
      }
    ).realmId;
    // The same reference entities (terms) as the first company, so customer ids are numbered alike.
    await control(stack.qbo, 'POST', `/realms/${second}/seed`, { count: 0 });
    const secondIds = [
      await customer(second, 'Björn Tanaka'),
      await customer(second, 'Harbor Light Catering'),
      await customer(second, 'Orchard Bakery'),
    ];
    expect(secondIds).toEqual(firstIds);
    await control(stack.qbo, 'PUT', '/oauth', { consentRealm: second });
    expect((await stack.connect()).realmId).toBe(second);
    const secondBackfill = await backfill(second);
    // The same name is the first company's organization (it carries that realm's id): not a candidate.
    expect(secondBackfill.summary).toMatchObject({ customers: 3, linked: 0, toCreate: 3, review: 0 });
    await eventually(() => liveOrgs().length === 6);

    // Edits in both companies, to the colliding customer id.
    await control(stack.qbo, 'PATCH', `/realms/${first}/customers/${firstIds[0]}`, { CompanyName: 'Łódź Renamed' });
    await control(stack.qbo, 'PATCH', `/realms/${second}/customers/${secondIds[0]}`, { CompanyName: 'Tanaka Renamed' });
    await eventually(() => orgNames().includes('Łódź Renamed') && orgNames().includes('Tanaka Renamed'));
    expect(liveOrgs()).toHaveLength(6);

    // No organization is owned by two realms, and each carries its own realm's id.
    const links = new LinkStore({ client: localDocumentClient(), name: stack.tableName });
    const owners = new Map<number, string[]>();
    for (const realm of [first, second])
      for await (const page of links.list(realm))
        for (const link of page)
          if (link.orgId !== undefined) owners.set(link.orgId, [...(owners.get(link.orgId) ?? []), realm]);
    expect(owners.size).toBe(6);
    expect([...owners.values()].every((realms) => realms.length === 1)).toBe(true);

    // One set of custom fields for the company.
    const fields = stack.pipedrive.store.customFields('organization');
    expect(fields.map((field) => field.field_name).sort()).toEqual(CUSTOM_FIELDS.map((d) => d.name).sort());
    const idKey = fields.find((field) => field.field_name === 'QuickBooks ID')?.field_code ?? '';
    for (const [orgId, [realm]] of owners) {
      const value = stack.pipedrive.store.organization(orgId)?.custom_fields[idKey];
      expect(String(value).startsWith(`${realm ?? ''}:`)).toBe(true);
    }

    // One budget for the company, held in total, with each realm's part of the spending.
    const info = stack.pipedrive.describe();
    const table = { client: localDocumentClient(), name: stack.tableName };
    const [firstCompany, secondCompany] = await Promise.all(
      [first, second].map(async (realm) => (await new ConnectionStore(table).get(realm))?.pipedrive?.companyId),
    );
    expect(secondCompany).toBe(firstCompany);
    const spent = await new BudgetLedger(table).spent(firstCompany ?? '', new Date().toISOString().slice(0, 10));
    expect(spent.spent).toBeGreaterThan(0);
    expect(spent.spent).toBeLessThanOrEqual(connectorShare(dailyTokenBudget(info.plan, info.seats), 0.5));
    expect(Object.keys(spent.byRealm).sort()).toEqual([first, second].sort());
    expect(Object.values(spent.byRealm).reduce((sum, tokens) => sum + tokens, 0)).toBe(spent.spent);

    // The daily reconcile of both companies finds nothing to do.
    const reconciled = (await stack.invoke('cdcPoll', { mode: 'reconcile' })) as {
      connections: { realmId: string; reconcile?: Record<string, number> }[];
    };
    expect(reconciled.connections.map((c) => c.realmId).sort()).toEqual([first, second].sort());
    for (const outcome of reconciled.connections)
      expect(outcome.reconcile).toMatchObject({
        customers: 3,
        inSync: 3,
        missing: 0,
        outdated: 0,
        failed: 0,
        orphaned: 0,
        enqueued: 0,
      });
  }, 120_000);
});
