import { randomUUID } from 'node:crypto';
import type { LocalStack } from '../../local/stack/local-stack';
import { control } from '../helpers/quickbooks-sandbox';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { guardQuickBooksConformance } from '../helpers/quickbooks-conformance-guard';
import { startTestStack } from './test-stack';

const conformance = guardPipedriveConformance();
const qboConformance = guardQuickBooksConformance();

/** One stack for the file (starting one takes seconds); each test makes its own customers. */
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack(5);
}, 60_000);
afterAll(() => stack.close());

/** The machine is shared and loaded: the pipeline gets time, but a test still fails on what never happens. */
const PIPELINE_TIMEOUT_MS = 45_000;
const TEST_TIMEOUT_MS = 120_000;

let connection: Promise<{ realmId: string }> | undefined;
/** Both systems connected through the real OAuth routes; whichever test needs it first connects. */
function connected(): Promise<{ realmId: string }> {
  connection ??= stack.connect();
  return connection;
}

const orgNames = () =>
  [...stack.pipedrive.store.organizations.values()].filter((o) => !o.is_deleted).map((o) => o.name);

/** Waits for the asynchronous pipeline (webhook → queue → worker), polling state rather than sleeping blindly. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PIPELINE_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for the local stack: ${what}; organizations: ${orgNames().join(', ')}`);
    await stack.qbo.state.webhooks.pump();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A customer of this test alone, created in QBO; its organization appears by webhook. */
async function createSyncedCustomer(realmId: string): Promise<{ id: string; name: string }> {
  const name = `Live Edit ${randomUUID().slice(0, 8)}`;
  const created = (
    await control(stack.qbo, 'POST', `/realms/${realmId}/customers`, { DisplayName: name, CompanyName: name })
  ).body as { Customer: { Id: string } };
  await eventually(() => orgNames().includes(name), `the organization ${name}`);
  return { id: created.Customer.Id, name };
}

interface HealthSnapshot {
  connections: {
    realmId: string;
    status: string;
    counts: { synced: number; failed: number };
    tokens: { provider: string }[];
    budget?: { spent: number; share: number };
  }[];
  queues: { name: string }[];
}

describe('the local stack', () => {
  it(
    'connects both systems through the real OAuth routes',
    async () => {
      const { realmId } = await connected();
      expect(realmId).toBe(stack.qbo.describe().realmId);
      const snapshot = (await (await fetch(`${stack.url}/health.json`)).json()) as HealthSnapshot;
      const shown = snapshot.connections.find((each) => each.realmId === realmId);
      expect(shown).toMatchObject({ status: 'active' });
      expect(shown?.tokens.map((t) => t.provider)).toEqual(['quickbooks', 'pipedrive']);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'backfills every QBO customer into a Pipedrive organization',
    async () => {
      const { realmId } = await connected();
      const customers = stack.qbo.state.company(realmId)?.all('Customer') ?? [];
      const backfill = (await stack.invoke('backfill', { realmId, dryRun: false })) as {
        summary: { customers: number; enqueued: number };
      };
      expect(backfill.summary.customers).toBe(customers.length);
      // Sub-customers roll up into their parent: each top-level customer is one organization.
      const expected = customers
        .map(({ record }) => record)
        .filter((record) => record.Job !== true)
        // The organization's name is the CompanyName, else the DisplayName without QBO's " (deleted)".
        .map((record) => record.CompanyName ?? record.DisplayName)
        .map((name) => (typeof name === 'string' ? name.replace(/ \(deleted\)$/, '') : ''));
      expect(expected.length).toBeGreaterThan(0);
      await eventually(() => expected.every((name) => orgNames().includes(name)), 'an organization per customer');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'follows a QBO create and a rename by webhook',
    async () => {
      const { realmId } = await connected();
      const customer = await createSyncedCustomer(realmId);
      const invocations = stack.invocations();
      await control(stack.qbo, 'PATCH', `/realms/${realmId}/customers/${customer.id}`, {
        CompanyName: `${customer.name} (renamed)`,
      });
      await eventually(() => orgNames().includes(`${customer.name} (renamed)`), 'the renamed organization');
      expect(stack.invocations()).toBeGreaterThan(invocations);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "shows the connection, its queues and a customer's story on the sync-health page",
    async () => {
      const { realmId } = await connected();
      const customer = await createSyncedCustomer(realmId);
      await control(stack.qbo, 'PATCH', `/realms/${realmId}/customers/${customer.id}`, {
        CompanyName: `${customer.name} (renamed)`,
      });
      await eventually(() => orgNames().includes(`${customer.name} (renamed)`), 'the renamed organization');

      const snapshot = (await (await fetch(`${stack.url}/health.json`)).json()) as HealthSnapshot;
      const shown = snapshot.connections.find((each) => each.realmId === realmId);
      expect(shown).toMatchObject({ realmId, status: 'active', counts: { failed: 0 } });
      expect(shown?.counts.synced).toBeGreaterThanOrEqual(1);
      expect(shown?.budget?.spent).toBeGreaterThan(0);
      expect(snapshot.queues.map((q) => q.name)).toEqual(['changes', 'bulk', 'changes DLQ', 'bulk DLQ']);
      const page = await (await fetch(`${stack.url}/health?realm=${realmId}&customer=${customer.id}`)).text();
      expect(page).toContain(`${customer.name} (renamed) #${customer.id}: full history`);
      expect(page).toMatch(/class="pill updated">updated/);
    },
    TEST_TIMEOUT_MS,
  );

  it('sent only spec-valid requests to Pipedrive and got spec-valid answers', () => {
    conformance.expectConforming();
  });

  it('sent QuickBooks only requests that FACTS documents (endpoints, parameters, query grammar)', () => {
    qboConformance.expectConforming();
  });
});
