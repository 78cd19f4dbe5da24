import { randomUUID } from 'node:crypto';
import type { PipedriveSandbox, PipedriveSandboxOptions } from '../../local/pipedrive';
import { tokenCostTable } from '../../local/pipedrive/openapi/operations';
import { loadSpec } from '../../local/pipedrive/openapi/spec-files';
import { BudgetGovernor, type BudgetGovernorConfig } from '../../functions/pipedrive/budget-governor';
import { PipedriveClient } from '../../functions/pipedrive/client';
import { HardStopError, RateLimitedError } from '../../functions/shared/errors';
import { BudgetLedger } from '../../functions/store/budget-ledger';
import { CUSTOM_FIELDS } from '../../functions/sync/pipedrive-fields';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';
import { client as rawClient, startTestSandbox } from './pipedrive-sandbox-helpers';

const DAY = '2026-01-05';
const WINDOW = 2000;

/** Sleeps in virtual time: to `now + ms` on the sandbox clock, after letting pending I/O run. */
function virtualSleep(sandbox: PipedriveSandbox) {
  return async (ms: number) => {
    const until = sandbox.clock.now() + ms;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (sandbox.clock.now() < until) sandbox.clock.advance(until - sandbox.clock.now());
  };
}

/** Max requests the sandbox admitted in any rolling 2-second window. */
function maxPerWindow(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let end = 0, start = 0; end < sorted.length; end++) {
    while ((sorted[start] ?? 0) + WINDOW <= (sorted[end] ?? 0)) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

describe('BudgetGovernor against the Pipedrive sandbox and DynamoDB Local', () => {
  const documents = localDocumentClient();
  let ledger: BudgetLedger;
  let sandbox: PipedriveSandbox;
  /** The Pipedrive company of the current test, unique so tests never share a ledger item. */
  let companyId: string;
  /** Sandbox times of admitted API requests, by operation (recorded when the sandbox answers). */
  let admitted: { time: number; operation: string }[];

  beforeAll(async () => {
    ledger = new BudgetLedger({ client: documents, name: await createTestTable() });
  });
  afterAll(() => {
    documents.destroy();
  });
  afterEach(() => sandbox.close());

  async function start(options: PipedriveSandboxOptions = {}) {
    sandbox = await startTestSandbox({ plan: 'growth', seats: 1, ...options });
    companyId = `company-${randomUUID()}`;
    admitted = [];
    sandbox.onExchange((exchange) => {
      if (exchange.operation && exchange.response.status < 400) {
        admitted.push({
          time: sandbox.clock.now(),
          operation: `${exchange.operation.method} ${exchange.operation.path}`,
        });
      }
    });
    return sandbox.describe();
  }

  function connector(config: Partial<BudgetGovernorConfig> = {}, apiToken = sandbox.describe().apiToken) {
    const governor = new BudgetGovernor(
      { companyId, plan: 'growth', seats: 1, auth: 'api-token', ...config },
      { ledger, now: () => sandbox.clock.now(), sleep: virtualSleep(sandbox) },
    );
    // The sandbox runs in this process: 200 creates at once on a loaded machine wait for CPU, not for the governor.
    const client = new PipedriveClient(
      { apiDomain: sandbox.url, allowHosts: [new URL(sandbox.url).host], timeoutMs: 20_000 },
      { kind: 'api-token', apiToken },
      governor,
    );
    return { governor, client };
  }

  it('200 concurrent creates on growth/API token: never more than 40 in any 2 s window, no 429', async () => {
    await start();
    const { client, governor } = connector();
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.createOrganization({ name: `Customer ${i}` })),
    );
    expect(new Set(created.map((organization) => organization.id)).size).toBe(200);
    const counters = sandbox.control.counters();
    expect(counters.responses429).toBe(0);
    expect(counters.requestsPerEndpoint['v2 POST /organizations']).toBe(200);
    expect(maxPerWindow(admitted.map((entry) => entry.time))).toBeLessThanOrEqual(40);
    // 200 at 40 per window need at least 4 more windows. (The pace itself is checked in the unit test: here
    // the virtual clock jumps ahead while real DynamoDB and HTTP I/O is in flight, which slows it artificially.)
    expect(sandbox.clock.now() - Date.UTC(2026, 0, 5, 10)).toBeGreaterThanOrEqual(4 * WINDOW);
    expect(governor.stats.reservedTokens).toBe(1000);
  });

  it('concurrent exact lookups stay within the Search API limit of 10 per 2 s', async () => {
    await start();
    const { client } = connector();
    const fields = await client.ensureCustomFields(CUSTOM_FIELDS, { fieldKeys: {}, fieldOptions: {} });
    const key = fields.fieldKeys.quickbooksId ?? '';
    await client.createOrganization({ name: 'Acme', custom_fields: { [key]: '42' } });
    const found = await Promise.all(Array.from({ length: 35 }, () => client.findOrganizationIdsByField(key, '42')));
    expect(found.every((ids) => ids.length === 1)).toBe(true);
    expect(sandbox.control.counters().responses429).toBe(0);
    const searches = admitted.filter((entry) => entry.operation === 'GET /itemSearch/field');
    expect(searches).toHaveLength(35);
    expect(maxPerWindow(searches.map((entry) => entry.time))).toBeLessThanOrEqual(10);
  });

  it('the budget share stops spending before the sandbox answers 429', async () => {
    await start({ dailyTokenBudget: 200 });
    const { client, governor } = connector({ dailyTokenBudget: 200, budgetShare: 0.5 });
    expect(governor.dailyLimit).toBe(100);
    const outcomes = [];
    for (let i = 0; i < 25; i++) {
      outcomes.push(await client.createOrganization({ name: `Customer ${i}` }).catch((error: unknown) => error));
    }
    const refused = outcomes.filter((outcome) => outcome instanceof RateLimitedError);
    expect(refused).toHaveLength(5);
    expect(refused[0]).toMatchObject({ code: 'daily_share', retryAfterMs: 14 * 3_600_000 });
    const counters = sandbox.control.counters();
    expect(counters.tokensSpentToday).toBe(100);
    expect(counters.responses429).toBe(0);
    expect(counters.requestsPerEndpoint['v2 POST /organizations']).toBe(20);
    expect(await ledger.spent(companyId, DAY)).toEqual({ spent: 100, calls: 20, byRealm: {} });
  });

  it('two containers sharing one ledger never exceed the share together', async () => {
    await start({ dailyTokenBudget: 400, extraApiTokens: ['second-user-token'] });
    // Two connections (two users' tokens, so two burst windows) writing into the same company.
    const first = connector({ dailyTokenBudget: 400, budgetShare: 0.25 });
    const second = connector({ dailyTokenBudget: 400, budgetShare: 0.25 }, 'second-user-token');
    const attempts = Array.from({ length: 15 }, (_, i) => [
      first.client.createOrganization({ name: `A${i}` }).then(
        () => 'ok',
        (error: unknown) => (error instanceof RateLimitedError ? 'refused' : 'other'),
      ),
      second.client.createOrganization({ name: `B${i}` }).then(
        () => 'ok',
        (error: unknown) => (error instanceof RateLimitedError ? 'refused' : 'other'),
      ),
    ]).flat();
    const results = await Promise.all(attempts);
    expect(results.filter((result) => result === 'ok')).toHaveLength(20);
    expect(results.filter((result) => result === 'refused')).toHaveLength(10);
    const counters = sandbox.control.counters();
    expect(counters.tokensSpentToday).toBe(100);
    expect(counters.responses429).toBe(0);
    expect((await ledger.spent(companyId, DAY)).spent).toBe(100);
    expect(first.governor.stats.reservedTokens + second.governor.stats.reservedTokens).toBe(100);
  });

  it('the ledger total equals the specs’ costs of a scripted sequence and what the sandbox counted', async () => {
    await start();
    const { client, governor } = connector();
    const fields = await client.ensureCustomFields(CUSTOM_FIELDS, { fieldKeys: {}, fieldOptions: {} });
    const key = fields.fieldKeys.quickbooksId ?? '';
    const organization = await client.createOrganization({ name: 'Acme', custom_fields: { [key]: '1' } });
    const duplicate = await client.createOrganization({ name: 'Acme (2)' });
    await client.updateOrganization(organization.id, { name: 'Acme Inc.' });
    await client.getOrganization(organization.id);
    await client.listOrganizations();
    const person = await client.createPerson({ name: 'Jane', org_id: organization.id });
    await client.updatePerson(person.id, { phones: [{ value: '+1 555 0100' }] });
    await client.getPerson(person.id);
    await client.findOrganizationIdsByField(key, '1');
    await client.mergeOrganizations(duplicate.id, organization.id);

    const v2 = tokenCostTable(loadSpec('v2'));
    const v1 = tokenCostTable(loadSpec('v1'));
    const cost = (table: Record<string, number>, operation: string) => table[operation] ?? Number.NaN;
    const expected =
      cost(v2, 'GET /organizationFields') +
      6 * cost(v2, 'POST /organizationFields') +
      2 * cost(v2, 'POST /organizations') +
      cost(v2, 'PATCH /organizations/{id}') +
      cost(v2, 'GET /organizations/{id}') +
      cost(v2, 'GET /organizations') +
      cost(v2, 'POST /persons') +
      cost(v2, 'PATCH /persons/{id}') +
      cost(v2, 'GET /persons/{id}') +
      cost(v2, 'GET /itemSearch/field') +
      cost(v1, 'PUT /organizations/{id}/merge');
    expect(expected).toBe(10 + 30 + 10 + 5 + 1 + 10 + 5 + 5 + 1 + 20 + 40);
    expect(await ledger.spent(companyId, DAY)).toEqual({ spent: expected, calls: 17, byRealm: {} });
    expect(sandbox.control.counters().tokensSpentToday).toBe(expected);
    expect(client.tokensSpent).toBe(expected);
    expect(client.calls).toBe(17);
    expect(governor.stats.reservedTokens).toBe(expected);
  });

  it('honours x-ratelimit-remaining 0 left by another caller of the same token: waits for the reset, no 429', async () => {
    const description = await start();
    const other = rawClient(sandbox, { apiToken: description.apiToken });
    for (let i = 0; i < 39; i++) expect((await other.get('/api/v2/organizations/1')).status).toBe(404);
    const { client, governor } = connector();
    await client.createOrganization({ name: 'First' });
    const firstAt = sandbox.clock.now();
    await client.createOrganization({ name: 'Second' });
    expect(sandbox.control.counters().responses429).toBe(0);
    expect(governor.stats.waitedMs).toBeGreaterThanOrEqual(2000);
    expect((admitted.at(-1)?.time ?? 0) - firstAt).toBeGreaterThanOrEqual(2000);
  });

  it('a burst 429 (window filled elsewhere) pauses the governor for its retry-after; the call is sent again after it', async () => {
    const description = await start();
    const other = rawClient(sandbox, { apiToken: description.apiToken });
    for (let i = 0; i < 40; i++) await other.get('/api/v2/organizations/1');
    const { client, governor } = connector();
    const startedAt = sandbox.clock.now();
    const created = await client.createOrganization({ name: 'Acme' });
    expect(created.name).toBe('Acme');
    expect(sandbox.clock.now() - startedAt).toBeGreaterThanOrEqual(2000);
    expect(governor.stats.rateLimitedAnswers).toBe(1);
    expect(sandbox.control.counters().responses429).toBe(1);
  });

  it('Cloudflare’s real block page (after another caller hammered through 429s) → HardStopError; then no calls', async () => {
    const description = await start();
    const hammer = rawClient(sandbox, { apiToken: description.apiToken });
    let status = 0;
    for (let i = 0; i < 70 && status !== 403; i++) status = (await hammer.get('/api/v2/organizations/1')).status;
    expect(status).toBe(403);
    const { client, governor } = connector();
    await expect(client.getOrganization(1)).rejects.toMatchObject({ kind: 'hard-stop', retryAfterMs: 3_600_000 });
    const seen = sandbox.control.counters().responses403;
    await expect(client.getOrganization(1)).rejects.toBeInstanceOf(HardStopError);
    expect(sandbox.control.counters().responses403).toBe(seen);
    expect(governor.stats.hardStops).toBe(1);
  });
});
