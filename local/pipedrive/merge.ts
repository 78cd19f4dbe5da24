import * as z from 'zod';
import type { SandboxResponse } from '../shared/http';
import type { ApiContext, ApiRoute } from './core';
import { parseJsonBody, pathId } from './request-body';
import { failure, notFound, ok, validationFailed } from './responses';
import type { Organization } from './store';

const MergeBody = z.strictObject({ merge_with_id: z.number().int().positive() });

/** `PUT /v1/organizations/{id}/merge` (40 tokens): v1 only, not deprecated ([SPEC1], FACTS §8). */
export function mergeRoutes(): ApiRoute[] {
  return [
    {
      api: 'v1',
      method: 'PUT',
      path: '/organizations/{id}/merge',
      operationId: 'mergeOrganizations',
      scopes: ['contacts:full'],
      handle: merge,
    },
  ];
}

/**
 * The organization in the URL is removed and `merge_with_id` survives, winning every conflict;
 * the survivor keeps its values and takes the loser's where it has none; persons move over ([MERGE]).
 */
function merge({ core, request, now, principal }: ApiContext): SandboxResponse {
  const id = pathId(request);
  if (id === undefined) return validationFailed(['id: must be an integer']);
  const body = parseJsonBody(request, MergeBody);
  if (!body.ok) return validationFailed(body.problems);
  const survivorId = body.value.merge_with_id;
  if (survivorId === id) return failure(400, 'Cannot merge an organization with itself');
  const loser = core.store.organization(id);
  const survivor = core.store.organization(survivorId);
  if (!loser || !survivor) return notFound();
  const loserBefore = structuredClone(loser);
  const survivorBefore = structuredClone(survivor);
  absorb(survivor, loser);
  for (const person of core.store.persons.values()) {
    if (person.org_id === loser.id) {
      person.org_id = survivor.id;
      person.update_time = now;
    }
  }
  loser.is_deleted = true;
  loser.merged_into_id = survivor.id;
  loser.update_time = now;
  survivor.update_time = now;
  // Two webhooks: the loser's delete naming the survivor, then the survivor's change ([WH2MIG], FACTS §6).
  core.webhooks.organization('delete', principal.userId, loserBefore, undefined, { mergedToId: survivor.id });
  core.webhooks.organization('change', principal.userId, survivorBefore, survivor, { mergedFromId: loser.id });
  return ok({ id: survivor.id });
}

function absorb(survivor: Organization, loser: Organization): void {
  survivor.address ??= loser.address;
  survivor.label_ids = [...new Set([...survivor.label_ids, ...loser.label_ids])];
  for (const [key, value] of Object.entries(loser.custom_fields)) {
    if (!(key in survivor.custom_fields)) survivor.custom_fields[key] = value;
  }
}
