import { randomUUID } from 'node:crypto';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { control } from '../helpers/quickbooks-sandbox';
import { dynamoEndpoint } from '../helpers/dynamodb';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { guardQuickBooksConformance } from '../helpers/quickbooks-conformance-guard';
import { sqsEndpoint } from '../helpers/sqs';

const conformance = guardPipedriveConformance();
const qboConformance = guardQuickBooksConformance();

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    dynamoEndpoint: dynamoEndpoint(),
    sqsEndpoint: sqsEndpoint(),
    name: randomUUID().slice(0, 8),
    // Retries (a QBO 429 under a loaded CI machine waits ~60 s) come back in seconds, as in the chaos run.
    retryTimeScale: 1 / 30,
    qboSeedCount: 5,
  });
}, 60_000);
afterAll(() => stack.close());

const orgNames = () =>
  [...stack.pipedrive.store.organizations.values()].filter((o) => !o.is_deleted).map((o) => o.name);

/** Waits for the asynchronous pipeline (webhook → queue → worker), polling state rather than sleeping blindly. */
async function eventually(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the local stack');
    await stack.qbo.state.webhooks.pump();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the local stack', () => {
  it('connects both systems through the real OAuth routes, backfills, then follows QBO edits by webhook', async () => {
    const { realmId } = await stack.connect();
    expect(realmId).toBe(stack.qbo.describe().realmId);
    const backfill = (await stack.invoke('backfill', { realmId, dryRun: false })) as {
      summary: { customers: number; enqueued: number };
    };
    expect(backfill.summary.customers).toBe(5);
    await eventually(() => orgNames().length >= 4);

    const created = (
      await control(stack.qbo, 'POST', `/realms/${realmId}/customers`, {
        DisplayName: 'Live Edit Co',
        CompanyName: 'Live Edit Co',
      })
    ).body as { Customer: { Id: string } };
    await eventually(() => orgNames().includes('Live Edit Co'));
    await control(stack.qbo, 'PATCH', `/realms/${realmId}/customers/${created.Customer.Id}`, {
      CompanyName: 'Live Edit Co (renamed)',
    });
    await eventually(() => orgNames().includes('Live Edit Co (renamed)'));
    expect(stack.invocations()).toBeGreaterThan(0);

    // The sync-health page shows the connection, its counts, token health, queues and a customer's story.
    const snapshot = (await (await fetch(`${stack.url}/health.json`)).json()) as {
      connections: {
        realmId: string;
        status: string;
        counts: { synced: number; failed: number };
        tokens: { provider: string }[];
        budget?: { spent: number; share: number };
        recent: unknown[];
      }[];
      queues: { name: string }[];
    };
    expect(snapshot.connections[0]).toMatchObject({ realmId, status: 'active', counts: { failed: 0 } });
    expect(snapshot.connections[0]?.counts.synced).toBeGreaterThanOrEqual(5);
    expect(snapshot.connections[0]?.tokens.map((t) => t.provider)).toEqual(['quickbooks', 'pipedrive']);
    expect(snapshot.connections[0]?.budget?.spent).toBeGreaterThan(0);
    expect(snapshot.queues.map((q) => q.name)).toEqual(['changes', 'bulk', 'changes DLQ', 'bulk DLQ']);
    const page = await (await fetch(`${stack.url}/health?realm=${realmId}&customer=${created.Customer.Id}`)).text();
    expect(page).toContain('Customer ' + created.Customer.Id + ': full history');
    expect(page).toMatch(/class="updated">updated/);
  }, 60_000);

  it('sent only spec-valid requests to Pipedrive and got spec-valid answers', () => {
    conformance.expectConforming();
  });

  it('sent QuickBooks only requests that FACTS documents (endpoints, parameters, query grammar)', () => {
    qboConformance.expectConforming();
  });
});
