import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BudgetGovernor } from '../../functions/pipedrive/budget-governor';
import { PipedriveClient } from '../../functions/pipedrive/client';
import { NotFoundError } from '../../functions/pipedrive/faults';
import {
  AuthError,
  HardStopError,
  PermanentError,
  RateLimitedError,
  TransientError,
} from '../../functions/shared/errors';
import { ConnectionStore } from '../../functions/store/connections';
import { CUSTOM_FIELDS } from '../../functions/sync/pipedrive-fields';
import { T0 } from './pipedrive-sandbox-helpers';

import { requests, sandboxHost, usePipedriveClientSandbox } from './pipedrive-client-sandbox';

describe('PipedriveClient against the Pipedrive sandbox', () => {
  const fixture = usePipedriveClientSandbox();
  const { start, sandbox, governorDeps } = fixture;

  describe('custom fields', () => {
    it('creates the missing fields on first use, stores their keys, and makes no call the second time', async () => {
      const { client } = await start();
      const first = await client.ensureCustomFields(CUSTOM_FIELDS, { fieldKeys: {}, fieldOptions: {} });
      expect(first.created).toEqual(CUSTOM_FIELDS.map((field) => field.id));
      expect(Object.keys(first.fieldKeys)).toHaveLength(6);
      for (const key of Object.values(first.fieldKeys)) expect(key).toMatch(/^[0-9a-f]{40}$/);
      expect(Object.keys(first.fieldOptions.quickbooksStatus ?? {})).toEqual(['Active', 'Inactive', 'Merged']);
      const custom = sandbox()
        .control.state()
        .organizationFields.filter((field) => field.is_custom_field);
      expect(custom.map((field) => [field.field_name, field.field_type])).toEqual(
        CUSTOM_FIELDS.map((field) => [field.name, field.type]),
      );
      expect(client.calls).toBe(7);
      expect(client.tokensSpent).toBe(10 + 6 * 5);

      // Stored on the connection and read back, the keys make the second run free.
      const connections = new ConnectionStore(fixture.table());
      const realmId = `realm-${sandbox().port}`;
      await connections.create(realmId, T0);
      await connections.setFields(realmId, first.fieldKeys, first.fieldOptions, T0);
      const stored = await connections.get(realmId);
      const second = await client.ensureCustomFields(CUSTOM_FIELDS, {
        fieldKeys: stored?.fieldKeys ?? {},
        fieldOptions: stored?.fieldOptions ?? {},
      });
      expect(second).toEqual({ fieldKeys: first.fieldKeys, fieldOptions: first.fieldOptions, created: [] });
      expect(client.calls).toBe(7);

      // Verifying lists once and creates nothing.
      const verified = await client.ensureCustomFields(CUSTOM_FIELDS, first, { verify: true });
      expect(verified.created).toEqual([]);
      expect(verified.fieldKeys).toEqual(first.fieldKeys);
      expect(client.calls).toBe(8);
    });

    it('adopts a field that already exists under our name, and creates only the others', async () => {
      const { client } = await start();
      const seeded = sandbox().control.seed({ fields: [{ field_name: 'QuickBooks ID', field_type: 'varchar' }] });
      const result = await client.ensureCustomFields(CUSTOM_FIELDS, { fieldKeys: {}, fieldOptions: {} });
      expect(result.fieldKeys.quickbooksId).toBe(seeded.fields[0]?.field_code);
      expect(result.created).not.toContain('quickbooksId');
      expect(result.created).toHaveLength(5);
    });

    it('refuses a field of our name with another type instead of creating a twin', async () => {
      const { client } = await start();
      sandbox().control.seed({ fields: [{ field_name: 'Open balance', field_type: 'varchar' }] });
      await expect(client.ensureCustomFields(CUSTOM_FIELDS, { fieldKeys: {}, fieldOptions: {} })).rejects.toMatchObject(
        {
          kind: 'permanent',
          code: 'field_type_conflict',
        },
      );
    });
  });

  describe('organizations and persons', () => {
    it('creates, reads and patches an organization with the whole address and custom fields', async () => {
      const { client } = await start();
      const fields = await client.ensureCustomFields(CUSTOM_FIELDS, { fieldKeys: {}, fieldOptions: {} });
      const key = (id: string) => fields.fieldKeys[id] ?? '';
      const address = {
        value: '530 Fifth Avenue, New York, NY 10036, United States',
        street_number: '530',
        route: 'Fifth Avenue',
        locality: 'New York',
        admin_area_level_1: 'NY',
        country: 'United States',
        postal_code: '10036',
      };
      const created = await client.createOrganization({
        name: 'Acme Tools',
        address,
        custom_fields: {
          [key('quickbooksId')]: '58',
          [key('openBalance')]: { value: 1250.5, currency: 'USD' },
          [key('quickbooksStatus')]: fields.fieldOptions.quickbooksStatus?.Active,
        },
      });
      expect(created).toMatchObject({ name: 'Acme Tools', is_deleted: false, address: { route: 'Fifth Avenue' } });
      const patched = await client.updateOrganization(created.id, {
        address: { ...address, street_number: '531' },
        custom_fields: { [key('quickbooksStatus')]: fields.fieldOptions.quickbooksStatus?.Inactive },
      });
      expect(patched.address).toMatchObject({ street_number: '531', route: 'Fifth Avenue', postal_code: '10036' });
      // An empty value with no parts clears the address (decision 43); null would be invalid against the spec.
      const cleared = await client.updateOrganization(created.id, { address: { value: '' } });
      expect(cleared.address).toBeNull();
      const read = await client.getOrganization(created.id, {
        customFieldKeys: [key('quickbooksId'), key('openBalance')],
      });
      expect(read.custom_fields).toEqual({
        [key('quickbooksId')]: '58',
        [key('openBalance')]: { value: 1250.5, currency: 'USD' },
      });
    });

    it('creates a person linked by org_id with emails and phones arrays, and replaces them on patch', async () => {
      const { client } = await start();
      const organization = await client.createOrganization({ name: 'Acme Tools' });
      const person = await client.createPerson({
        name: 'Jane Doe',
        org_id: organization.id,
        emails: [
          { value: 'jane@acme.example', primary: true, label: 'work' },
          { value: 'jd@home.example', label: 'other' },
        ],
        phones: [
          { value: '+1 555 0100', primary: true, label: 'work' },
          { value: '+1 555 0199', label: 'mobile' },
        ],
      });
      expect(person).toMatchObject({
        org_id: organization.id,
        emails: [
          { value: 'jane@acme.example', primary: true, label: 'work' },
          { value: 'jd@home.example', primary: false, label: 'other' },
        ],
        phones: [
          { value: '+1 555 0100', primary: true },
          { value: '+1 555 0199', primary: false, label: 'mobile' },
        ],
      });
      await client.updatePerson(person.id, { emails: [{ value: 'jane.doe@acme.example', primary: true }] });
      const read = await client.getPerson(person.id);
      expect(read.emails).toEqual([{ value: 'jane.doe@acme.example', primary: true, label: 'work' }]);
      expect(read.phones).toHaveLength(2);
    });

    it('finds an organization by QuickBooks ID exactly: not a prefix, substring or other case', async () => {
      const { client } = await start();
      const fields = await client.ensureCustomFields(CUSTOM_FIELDS, { fieldKeys: {}, fieldOptions: {} });
      const idKey = fields.fieldKeys.quickbooksId ?? '';
      const ids: Record<string, number> = {};
      for (const qboId of ['12', '123', '1234', 'A12', '312']) {
        ids[qboId] = (
          await client.createOrganization({ name: `Customer ${qboId}`, custom_fields: { [idKey]: qboId } })
        ).id;
      }
      expect(await client.findOrganizationIdsByField(idKey, '12')).toEqual([ids['12']]);
      expect(await client.findOrganizationIdsByField(idKey, '123')).toEqual([ids['123']]);
      expect(await client.findOrganizationIdsByField(idKey, 'a12')).toEqual([]);
      expect(await client.findOrganizationIdsByField(idKey, '9')).toEqual([]);
      const lookups = sandbox().control.counters().requestsPerEndpoint['v2 GET /itemSearch/field'];
      expect(lookups).toBe(4);
    });

    it('lists every organization through cursor pages of 500, and only the changed ones with updated_since', async () => {
      const { client } = await start();
      sandbox().control.seed({ random: { count: 1203, seed: 4 } });
      const pages: number[] = [];
      const seen = new Set<number>();
      for await (const page of client.organizationPages()) {
        pages.push(page.length);
        for (const organization of page) seen.add(organization.id);
      }
      expect(pages).toEqual([500, 500, 203]);
      expect(seen.size).toBe(1203);
      expect(client.tokensSpent).toBe(30);

      sandbox().clock.advance(60_000);
      const since = sandbox().clock.now();
      await client.updateOrganization(7, { name: 'Renamed 7' });
      await client.updateOrganization(900, { name: 'Renamed 900' });
      // Milliseconds are stripped (v2 rejects them).
      const changed = await client.listOrganizations({ updatedSince: new Date(since + 123).toISOString() });
      expect(changed.items.map((organization) => organization.name)).toEqual(['Renamed 7', 'Renamed 900']);
      expect(changed.nextCursor).toBeNull();
    });

    it('merges two organizations through v1; the removed one is then not found', async () => {
      const { client } = await start();
      const loser = await client.createOrganization({ name: 'Acme (duplicate)' });
      const survivor = await client.createOrganization({ name: 'Acme' });
      await client.createPerson({ name: 'Jane', org_id: loser.id });
      expect(await client.mergeOrganizations(loser.id, survivor.id)).toBe(survivor.id);
      await expect(client.getOrganization(loser.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(sandbox().control.state().persons[0]).toMatchObject({ org_id: survivor.id });
    });
  });

  describe('fault classification', () => {
    it('404 → NotFoundError; 400 → PermanentError with Pipedrive’s message', async () => {
      const { client } = await start();
      await expect(client.getOrganization(424242)).rejects.toBeInstanceOf(NotFoundError);
      const error = await client
        .createOrganization({ name: 'Acme', custom_fields: { ['f'.repeat(40)]: 'x' } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ status: 400 });
      expect(String(error)).toContain('ERR_SCHEMA_VALIDATION_FAILED');
    });

    it('refuses an invalid request before it costs anything', async () => {
      const { client } = await start();
      await expect(client.createOrganization({ name: '   ' })).rejects.toMatchObject({ code: 'invalid_request' });
      await expect(client.createPerson({ org_id: 3 })).rejects.toMatchObject({ code: 'invalid_request' });
      expect(client.calls).toBe(0);
      expect(requests(sandbox())).toBe(0);
    });

    it('a wrong API token → AuthError after one call (no refresh for API tokens), never echoing the token', async () => {
      const { description } = await start();
      const governor = new BudgetGovernor(
        { companyId: `bad-${sandbox().port}`, plan: 'growth', seats: 1, auth: 'api-token' },
        governorDeps(),
      );
      const client = new PipedriveClient(
        { apiDomain: description.apiBaseUrl, allowHosts: [sandboxHost(sandbox())], timeoutMs: 2000 },
        { kind: 'api-token', apiToken: 'not-the-token-0123456789' },
        governor,
      );
      const error = await client.getOrganization(1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect(error).toMatchObject({ status: 401 });
      expect(JSON.stringify(error) + String(error)).not.toContain('not-the-token');
      expect(client.calls).toBe(1);
    });

    it('injected 5xx, connection reset and timeout → TransientError', async () => {
      const { client, description } = await start();
      sandbox().control.addFault({ path: '^/api/v2/organizations', status: 502, count: 1 });
      await expect(client.getOrganization(1)).rejects.toMatchObject({ kind: 'transient', status: 502 });
      sandbox().control.addFault({ path: '^/api/v2/organizations', status: 503, body: 'maintenance', count: 1 });
      await expect(client.getOrganization(1)).rejects.toBeInstanceOf(TransientError);
      sandbox().control.addFault({ path: '^/api/v2/organizations', reset: true, count: 1 });
      await expect(client.getOrganization(1)).rejects.toThrow(/could not be reached/);
      const impatient = new PipedriveClient(
        { apiDomain: description.apiBaseUrl, allowHosts: [sandboxHost(sandbox())], timeoutMs: 50 },
        { kind: 'api-token', apiToken: description.apiToken },
        new BudgetGovernor(
          { companyId: `timeout-${sandbox().port}`, plan: 'growth', seats: 1, auth: 'api-token' },
          governorDeps(),
        ),
      );
      sandbox().control.addFault({ path: '^/api/v2/organizations', latencyMs: 250, count: 1 });
      await expect(impatient.getOrganization(1)).rejects.toThrow(/did not answer within 50 ms/);
    });

    it('an injected 403 plan-limit JSON → PermanentError; a 403 HTML page → HardStopError and no further calls', async () => {
      const { client } = await start();
      const planLimit = JSON.parse(
        readFileSync(
          resolve(__dirname, '../../local/pipedrive/reference/error-403-limit-reached-response.json'),
          'utf8',
        ),
      ) as unknown;
      sandbox().control.addFault({ path: '^/api/v2/organizations', status: 403, body: planLimit, count: 1 });
      await expect(client.createOrganization({ name: 'Acme' })).rejects.toMatchObject({
        kind: 'permanent',
        code: 'feature_capping_deals_limit',
      });
      sandbox().control.addFault({
        path: '^/api/v2/organizations',
        status: 403,
        body: '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head></html>',
        headers: { 'content-type': 'text/html; charset=UTF-8' },
        count: 1,
      });
      await expect(client.createOrganization({ name: 'Acme' })).rejects.toBeInstanceOf(HardStopError);
      const before = requests(sandbox()) + sandbox().counters.get('faults');
      await expect(client.getOrganization(1)).rejects.toBeInstanceOf(HardStopError);
      expect(requests(sandbox()) + sandbox().counters.get('faults')).toBe(before);
    });

    /** Pipedrive's burst refusal on the next `count` organization requests, with a 1 s pause. */
    const addBurst429s = (count: number) => {
      sandbox().control.addFault({
        path: '^/api/v2/organizations',
        status: 429,
        body: { success: false, error: 'Rate limit has been exceeded', errorCode: 429 },
        headers: { 'retry-after': '1' },
        count,
      });
    };

    it('a burst 429 is sent again once its pause is over, so the caller sees the answer, not the refusal', async () => {
      const { client, governor } = await start();
      addBurst429s(2);
      const created = await client.createOrganization({ name: 'Acme' });
      expect(created.name).toBe('Acme');
      expect(governor.stats.rateLimitedAnswers).toBe(2);
      expect(sandbox().store.organizations.size).toBe(1);
    });

    it('a run of burst 429s longer than the retries is thrown as RateLimitedError', async () => {
      const { client } = await start();
      addBurst429s(4);
      await expect(client.createOrganization({ name: 'Acme' })).rejects.toMatchObject({
        kind: 'rate-limited',
        code: 'burst',
      });
      expect(sandbox().store.organizations.size).toBe(0);
    });

    it('a 429 for the company’s daily budget → RateLimitedError with retry-after; the governor then holds calls back', async () => {
      const { client } = await start();
      const { dailyTokenBudget } = sandbox().control.counters();
      // Other integrations of the company spent nearly everything.
      sandbox().control.spendTokens({ tokens: dailyTokenBudget - 2 });
      const error = await client.createOrganization({ name: 'Acme' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error).toMatchObject({ status: 429, code: 'daily_budget', retryAfterMs: 14 * 3_600_000 });
      const before = requests(sandbox());
      await expect(client.getOrganization(1)).rejects.toMatchObject({ kind: 'rate-limited', code: 'paused' });
      expect(requests(sandbox())).toBe(before);
      expect(sandbox().control.counters().responses429).toBe(1);
    });
  });
});
