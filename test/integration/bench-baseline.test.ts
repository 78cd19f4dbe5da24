import { connectorDelivery, naiveDelivery } from '../../bench/harness/deliveries';
import { measureEdits } from '../../bench/harness/edits';
import { type InProcessHarness, startInProcessHarness } from '../../bench/harness/in-process';
import { mappedEdit, topLevelCustomerIds, unmappedEdit } from '../../bench/shared/customers';
import { measureBackfill } from '../../bench/phases/backfill';
import { meter } from '../../bench/shared/meter';
import { dynamoEndpoint } from '../helpers/dynamodb';

/**
 * The benchmark's measuring parts on a handful of customers: the naive baseline and the
 * connector get the same QBO edits on twin sandboxes, and the sandboxes' own counters say what
 * each spent (see docs/performance.md).
 */
let connector: InProcessHarness;
let naive: InProcessHarness;
let ids: string[];

beforeAll(async () => {
  [connector, naive] = await Promise.all([
    startInProcessHarness({ dynamoEndpoint: dynamoEndpoint(), seedCount: 8 }),
    startInProcessHarness({ dynamoEndpoint: dynamoEndpoint(), seedCount: 8 }),
  ]);
  ids = topLevelCustomerIds(connector.qboSandbox, connector.realmId);
  // The twins hold the same seeded company; both start with every customer in Pipedrive.
  expect(topLevelCustomerIds(naive.qboSandbox, naive.realmId)).toEqual(ids);
  await connectorDelivery(connector)(ids);
  await naiveDelivery(naive)(ids);
}, 30_000);

afterAll(async () => {
  await Promise.all([connector.close(), naive.close()]);
});

describe('the benchmark baseline', () => {
  it('reads the sandboxes’ own counters: tokens by x-token-cost, requests and QBO calls', async () => {
    const measured = meter({ pipedrive: connector.pipedriveSandbox, qbo: connector.qboSandbox });
    await connector.pipedrive.getOrganization(1).catch(() => undefined);
    await connector.qbo.readCustomers([ids[0] ?? '1']);
    expect(measured()).toEqual({ pipedriveTokens: 1, pipedriveRequests: 1, pipedrive429s: 0, qboCalls: 1, qbo429s: 0 });
  });

  it('the connector spends one PATCH per renamed customer; the naive sync a search and a write each', async () => {
    const changed = ids.slice(0, 3);
    const patch = (id: string) => mappedEdit(1, id);
    const spentByConnector = await measureEdits(connector, changed, patch, connectorDelivery(connector));
    const spentByNaive = await measureEdits(naive, changed, patch, naiveDelivery(naive));
    expect(spentByConnector.pipedriveTokens).toBe(3 * 5);
    expect(spentByNaive.pipedriveTokens).toBe(3 * (20 + 5));
    expect(spentByNaive.qboCalls).toBe(3);
    const names = [...connector.pipedriveSandbox.store.organizations.values()].map((org) => org.name);
    expect(names).toEqual(expect.arrayContaining(changed.map((id) => String(patch(id).CompanyName))));
  });

  it('an edit to a field the connector does not map costs it no token; the naive sync pays in full', async () => {
    const changed = ids.slice(0, 3);
    let n = 0;
    const spentByConnector = await measureEdits(
      connector,
      changed,
      () => unmappedEdit(n++),
      connectorDelivery(connector),
    );
    const spentByNaive = await measureEdits(naive, changed, () => unmappedEdit(n++), naiveDelivery(naive));
    expect(spentByConnector.pipedriveTokens).toBe(0);
    expect(spentByConnector.pipedriveRequests).toBe(0);
    expect(spentByNaive.pipedriveTokens).toBe(3 * 25);
  });
});

describe('the benchmark’s backfill on the virtual clock', () => {
  it('counts as sending time only what the burst limit imposes, across a budget day (≤ 1.05 × requests at 20/s)', async () => {
    // 300 customers need ≈2,700 tokens: a share of 1,500 a day defers about half of them to the next day.
    const figures = await measureBackfill({
      customers: 300,
      budgetShare: 0.025,
      stores: 'memory',
    });
    expect(figures.budgetDays).toBe(2);
    expect(figures.queue.deferredForBudget).toBeGreaterThan(0);
    expect(figures.usage.pipedrive429s).toBe(0);
    const sendingSeconds = (figures.elapsedMs - figures.idleMs) / 1000;
    // Growth, API token: 40 requests per 2 s. An answer read after another caller's wait once held
    // its burst slot 2 s too long, and the run took up to 2× this.
    expect(sendingSeconds).toBeLessThanOrEqual((1.05 * figures.usage.pipedriveRequests) / 20);
  }, 60_000);
});
