import type { ListedOrganization } from '../sync/pipedrive-drift';
import type { ListedPerson } from '../sync/pipedrive-findings';
import type { PipedriveClient } from './client';

/** The list endpoint takes at most this many custom field keys ([SPEC2]; FACTS §2 for GET, assumed for the list). */
const MAX_CUSTOM_FIELD_KEYS = 15;

/**
 * Every organization of the company with the given custom fields, a page of 500 at a time (10 tokens
 * a page, through the client and its budget governor): what the Pipedrive-side reconcile compares
 * (decision 62). Deleted ones are passed on as such if the list ever includes them.
 */
export async function* listedOrganizations(
  pipedrive: Pick<PipedriveClient, 'organizationPages'>,
  customFieldKeys: readonly string[],
): AsyncGenerator<ListedOrganization[]> {
  const keys = customFieldKeys.slice(0, MAX_CUSTOM_FIELD_KEYS);
  for await (const page of pipedrive.organizationPages(keys.length > 0 ? { customFieldKeys: keys } : {})) {
    yield page.map((org) => {
      const merged: unknown = Reflect.get(org, 'merged_into_id');
      return {
        id: org.id,
        name: org.name,
        address: org.address ?? null,
        customFields: org.custom_fields ?? {},
        isDeleted: org.is_deleted,
        ...(typeof merged === 'number' ? { mergedIntoId: merged } : {}),
      };
    });
  }
}

/** Every person (10 tokens per 500), reduced to what the reconcile needs: its organization. */
export async function* listedPersons(pipedrive: Pick<PipedriveClient, 'personPages'>): AsyncGenerator<ListedPerson[]> {
  for await (const page of pipedrive.personPages())
    yield page.map((person) => ({ id: person.id, orgId: person.org_id ?? null, isDeleted: person.is_deleted }));
}
