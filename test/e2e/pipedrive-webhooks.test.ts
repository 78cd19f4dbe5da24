import { AuditLog } from '../../functions/store/audit-log';
import { ConnectionStore } from '../../functions/store/connections';
import { LinkStore } from '../../functions/store/link-store';
import { tableNamed } from '../../functions/store/table-client';
import { control } from '../helpers/quickbooks-sandbox';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { startCliStack } from './cli-stack';
import { untilWithin } from '../helpers/until';

const conformance = guardPipedriveConformance();

type Started = Awaited<ReturnType<typeof startCliStack>>;

const until = untilWithin(90_000);

/** Issue 19 item 3 (decision 63): what a rep does in Pipedrive reaches the rules through the webhook, no reconcile run. */
describe('Pipedrive webhooks on the local stack', () => {
  let started: Started;
  beforeAll(async () => {
    started = await startCliStack(1, { pipedriveWebhooks: true });
  }, 60_000);
  afterAll(() => started.stack.close());

  it('follows a merge, respects a deletion and rewrites a hand edit as they happen; a reconnect replaces the webhook, the uninstall stops it', async () => {
    const { stack, cli } = started;
    const realm = stack.qbo.describe().realmId;
    const customer = async (name: string) => {
      const result = await control(stack.qbo, 'POST', `/realms/${realm}/customers`, {
        DisplayName: name,
        CompanyName: name,
        PrimaryEmailAddr: { Address: `ap@${name.toLowerCase().replace(/[^a-z]/g, '')}.example` },
        BillAddr: { Line1: '1 Original Way', City: 'Springfield', CountrySubDivisionCode: 'IL', PostalCode: '62701' },
      });
      return (result.body as { Customer: { Id: string } }).Customer.Id;
    };
    const mergedAway = await customer('Merged Away Co');
    const deleted = await customer('Deleted By Rep Co');
    const edited = await customer('Edited By Hand Co');
    await stack.connect();

    // `connect pipedrive` registered one organization webhook with Basic auth on this connection's URL.
    const webhooks = [...stack.pipedrive.webhooks.subscriptions.values()];
    expect(webhooks).toEqual([
      expect.objectContaining({
        eventObject: 'organization',
        eventAction: '*',
        version: '2.0',
        subscriptionUrl: new URL(`/webhooks/pipedrive/${realm}`, stack.url).toString(),
        httpAuthUser: 'ml-connector',
      }),
    ]);
    const table = tableNamed(stack.tableName);
    const stored = (await new ConnectionStore(table).get(realm))?.pipedriveWebhook;
    expect(stored?.id).toBe(webhooks[0]?.id);
    // Only a hash is stored, never the password Pipedrive was given.
    expect(JSON.stringify(stored)).not.toContain(webhooks[0]?.httpAuthPassword ?? 'no password');

    const backfill = await cli('backfill', '--wait-seconds', '90');
    expect(backfill.code).toBe(0);
    const links = new LinkStore(table);
    const audit = new AuditLog(table, 90);
    const key = (name: string) =>
      stack.pipedrive.store.customFields('organization').find((field) => field.field_name === name)?.field_code ?? '';
    const live = () => [...stack.pipedrive.store.organizations.values()].filter((org) => !org.is_deleted);
    const orgOf = async (id: string) => {
      const orgId = (await links.get(realm, id))?.orgId;
      if (orgId === undefined) throw new Error(`customer ${id} has no organization`);
      return orgId;
    };
    for (const id of [mergedAway, deleted, edited])
      await until(async () => (await links.get(realm, id))?.state === 'synced', `customer ${id} synced`);
    const original = {
      mergedAway: await orgOf(mergedAway),
      deleted: await orgOf(deleted),
      edited: await orgOf(edited),
    };
    const editedBefore = stack.pipedrive.store.organization(original.edited);
    const addressBefore = editedBefore?.address?.value;
    const balanceBefore = editedBefore?.custom_fields[key('Open balance')];
    // The echoes of the backfill's own writes are judged too, and find nothing.
    await stack.pipedrive.webhooks.settled();
    expect(stack.pipedrive.webhooks.attempts.length).toBeGreaterThan(0);
    expect(stack.pipedrive.webhooks.attempts.every((attempt) => attempt.status === 200)).toBe(true);

    // What a rep does in Pipedrive (as a user, with the company's API token).
    const { apiBaseUrl, apiToken } = stack.pipedrive.describe();
    const rep = async (method: string, path: string, body?: object) => {
      const response = await fetch(`${apiBaseUrl}${path}`, {
        method,
        headers: { 'x-api-token': apiToken, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { data: { id: number } };
    };
    const salesOrg = (await rep('POST', '/api/v2/organizations', { name: 'Merged Away (sales team)' })).data.id;
    await rep('PUT', `/api/v1/organizations/${original.mergedAway}/merge`, { merge_with_id: salesOrg });
    await rep('DELETE', `/api/v2/organizations/${original.deleted}`);
    await rep('PATCH', `/api/v2/organizations/${original.edited}`, {
      address: { value: '9 Hand Edit Road' },
      custom_fields: { [key('Open balance')]: { value: 1.23, currency: 'USD' } },
    });
    const organizationsAfterRep = live().length;

    // No reconcile is run: the webhook brings each to the rules.
    await until(async () => (await links.get(realm, mergedAway))?.orgId === salesOrg, 'the merge followed');
    await until(
      () => stack.pipedrive.store.organization(salesOrg)?.name === 'Merged Away Co',
      'the survivor written with the merged customer',
    );
    await until(async () => (await links.get(realm, deleted))?.state === 'excluded', 'the deletion respected');
    expect(await links.get(realm, deleted)).toMatchObject({ reason: 'deleted in Pipedrive' });
    await until(
      () =>
        stack.pipedrive.store.organization(original.edited)?.address?.value === addressBefore &&
        JSON.stringify(stack.pipedrive.store.organization(original.edited)?.custom_fields[key('Open balance')]) ===
          JSON.stringify(balanceBefore),
      'the hand edit rewritten',
    );
    for (const id of [mergedAway, deleted, edited]) {
      const { entries } = await audit.history(realm, id, { limit: 20 });
      expect(entries.some((entry) => entry.source === 'webhook')).toBe(true);
    }
    // Nothing was created again, and no reconcile ran.
    await stack.pipedrive.webhooks.settled();
    expect(live().length).toBe(organizationsAfterRep);

    // A reconnect replaces the webhook: the old one is deleted (`DELETE /v1/webhooks/{id}`), one remains.
    await stack.connect();
    const replaced = [...stack.pipedrive.webhooks.subscriptions.values()];
    expect(replaced.map((webhook) => webhook.id)).not.toContain(webhooks[0]?.id);
    expect(replaced).toHaveLength(1);
    expect((await new ConnectionStore(table).get(realm))?.pipedriveWebhook?.id).toBe(replaced[0]?.id);

    // The app is uninstalled: the webhook's credentials are forgotten, so a delivery now gets 401, and
    // a rep's edit enqueues nothing.
    const uninstall = await fetch(`${stack.pipedrive.describe().controlUrl}/uninstall`, { method: 'POST' });
    expect(uninstall.status).toBe(200);
    expect((await new ConnectionStore(table).get(realm))?.pipedriveWebhook).toBeUndefined();
    const attemptsBefore = stack.pipedrive.webhooks.attempts.length;
    await rep('PATCH', `/api/v2/organizations/${original.edited}`, { address: { value: '10 After Uninstall Road' } });
    await stack.pipedrive.webhooks.settled();
    expect(stack.pipedrive.webhooks.attempts.slice(attemptsBefore).map((attempt) => attempt.status)).toEqual([401]);
    conformance.expectConforming();
  }, 300_000);
});
