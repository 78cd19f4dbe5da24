import { v1, v2 } from 'pipedrive';
import * as z from 'zod';
import type { PipedriveSandbox } from '../../local/pipedrive';

/**
 * Calls of Pipedrive's official Node SDK (`pipedrive` 33.x), each asserting on what it returns,
 * shared by the API-token and OAuth test files. The SDK's own configuration points it at the
 * sandbox: `basePath` for an API token, `host` (and the token's `api_domain`) for OAuth. With
 * OAuth, the API classes get a Configuration built from the OAuth2Configuration as the SDK's
 * README shows (`accessToken: oauth2.getAccessToken, basePath: oauth2.basePath`).
 */

type V1Config = v1.Configuration;
type V2Config = v2.Configuration;

const unique = (label: string) => `${label} ${Math.random().toString(36).slice(2, 8)}`;

/** Organizations create/get/update, list with cursor, persons, fields, search and itemSearch (v2). */
export async function v2Scenario(sandbox: PipedriveSandbox, config: V2Config): Promise<void> {
  const organizations = new v2.OrganizationsApi(config);
  const name = unique('Sdk Org');
  const created = await organizations.addOrganization({ AddOrganizationRequest: { name } });
  const id = z.number().int().positive().parse(created.data?.id);
  expect(created.data?.name).toBe(name);

  const read = await organizations.getOrganization({ id });
  expect(read.data?.name).toBe(name);

  const renamed = unique('Sdk Renamed');
  const updated = await organizations.updateOrganization({ id, UpdateOrganizationRequest: { name: renamed } });
  expect(updated.data?.name).toBe(renamed);
  expect(sandbox.store.organization(id)?.name).toBe(renamed);

  // Every live organization, two a page, following next_cursor.
  const listed: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await organizations.getOrganizations({ limit: 2, ...(cursor ? { cursor } : {}) });
    listed.push(...(page.data ?? []).map((organization) => z.number().parse(organization.id)));
    cursor = page.additional_data?.next_cursor ?? undefined;
    pages += 1;
  } while (cursor);
  const live = [...sandbox.store.organizations.values()].filter((organization) => !organization.is_deleted);
  expect(pages).toBeGreaterThan(1);
  expect(listed.sort((a, b) => a - b)).toEqual(live.map((organization) => organization.id).sort((a, b) => a - b));

  const persons = new v2.PersonsApi(config);
  const personName = unique('Sdk Person');
  const person = await persons.addPerson({
    AddPersonRequest: {
      name: personName,
      org_id: id,
      emails: [{ value: 'sdk.person@example.com', primary: true, label: 'work' }],
    },
  });
  const personId = z.number().parse(person.data?.id);
  const personRead = await persons.getPerson({ id: personId });
  expect(personRead.data?.org_id).toBe(id);
  expect(personRead.data?.emails?.[0]?.value).toBe('sdk.person@example.com');

  const fields = await new v2.OrganizationFieldsApi(config).getOrganizationFields({ limit: 100 });
  expect((fields.data ?? []).map((field) => field.field_code)).toEqual(expect.arrayContaining(['name', 'address']));

  const orgSearch = await organizations.searchOrganization({ term: renamed, exact_match: true });
  expect((orgSearch.data?.items ?? []).map((item) => item.item?.id)).toEqual([id]);
  const personSearch = await persons.searchPersons({ term: personName, exact_match: true });
  expect((personSearch.data?.items ?? []).map((item) => item.item?.id)).toEqual([personId]);

  const items = await new v2.ItemSearchApi(config).searchItem({ term: renamed, exact_match: true });
  const found = z
    .array(z.object({ result_score: z.number(), item: z.looseObject({ id: z.number(), type: z.string() }) }))
    .parse(items.data?.items);
  expect(found.map((hit) => [hit.item.type, hit.item.id])).toEqual([['organization', id]]);
}

/** Merge, organization fields and the current user: the v1 operations v2 has no equivalent for. */
export async function v1Scenario(sandbox: PipedriveSandbox, v1Config: V1Config, v2Config: V2Config): Promise<void> {
  const organizations = new v2.OrganizationsApi(v2Config);
  const loser = z
    .number()
    .parse((await organizations.addOrganization({ AddOrganizationRequest: { name: unique('Loser') } })).data?.id);
  const survivor = z
    .number()
    .parse((await organizations.addOrganization({ AddOrganizationRequest: { name: unique('Survivor') } })).data?.id);

  const merged = await new v1.OrganizationsApi(v1Config).mergeOrganizations({
    id: loser,
    MergeOrganizationsRequest: { merge_with_id: survivor },
  });
  expect(merged.data.id).toBe(survivor);
  expect(sandbox.store.organization(loser)?.is_deleted ?? true).toBe(true);

  const fields = await new v1.OrganizationFieldsApi(v1Config).getOrganizationFields();
  expect(fields.data.map((field) => field.key)).toEqual(expect.arrayContaining(['name', 'address']));

  const me = await new v1.UsersApi(v1Config).getCurrentUser();
  expect(me.data?.id).toBe(1);
  expect(me.data?.company_id).toBe(sandbox.config.companyId);
}

/** The OAuth install as a browser would do it: follow the authorize URL, then hand the code to the SDK. */
export async function installOAuth(config: v1.OAuth2Configuration | v2.OAuth2Configuration): Promise<void> {
  const response = await fetch(config.authorizationUrl, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const code = new URL(z.string().parse(response.headers.get('location'))).searchParams.get('code');
  await config.authorize(z.string().parse(code));
}
