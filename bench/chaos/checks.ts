import { canonicalJson } from '../../functions/sync/canonical-json';
import { organizationBody, type FieldKeys } from '../../functions/sync/pipedrive-body';
import type { PipedriveSandbox } from '../../local/pipedrive';
import type { ExpectedCustomers } from './expected';
import { ADDRESS_PARTS } from '../../local/pipedrive/store';

export interface LinkRow {
  qboId: string;
  state: string;
  orgId?: number | undefined;
  personId?: number | undefined;
  reason?: string | undefined;
}

export interface Mismatch {
  qboId: string;
  problem: string;
}

/**
 * The part of an organization the mapping owns, as Pipedrive keeps it: an address part left out of
 * the body is null, and `{ value: '' }` is no address at all (decision 43).
 */
function sentShape(body: { name: string; address?: unknown; custom_fields: Record<string, unknown> }) {
  const address = new Map<string, unknown>(
    typeof body.address === 'object' && body.address !== null ? Object.entries(body.address) : [],
  );
  const value = address.get('value');
  const entries: [string, unknown][] = [['value', value]];
  for (const part of ADDRESS_PARTS) entries.push([part, address.get(part) ?? null]);
  const parts = typeof value === 'string' && value !== '' ? Object.fromEntries(entries) : null;
  return { name: body.name, address: parts, custom_fields: body.custom_fields };
}

/**
 * Every QBO customer equals its Pipedrive organization (and contact person) on every mapped field;
 * sub-customers and merged-away customers have none of their own.
 */
export function convergence(
  expected: ExpectedCustomers,
  links: Map<string, LinkRow>,
  pipedrive: PipedriveSandbox,
  fields: FieldKeys,
): { checked: number; mismatches: Mismatch[] } {
  const mismatches: Mismatch[] = [];
  const qboIdKey = fields.fieldKeys.quickbooksId ?? '';
  const liveByQboId = new Map<string, number[]>();
  for (const org of pipedrive.store.organizations.values()) {
    if (org.is_deleted) continue;
    const qboId = org.custom_fields[qboIdKey];
    if (typeof qboId === 'string') liveByQboId.set(qboId, [...(liveByQboId.get(qboId) ?? []), org.id]);
  }
  for (const [qboId, mapped] of expected.mapped) {
    const link = links.get(qboId);
    if (link?.state !== 'synced' || link.orgId === undefined) {
      // Whether the organization is current anyway tells a stale link state from work not done.
      const linked = link?.orgId === undefined ? undefined : pipedrive.store.organizations.get(link.orgId);
      const current =
        linked === undefined
          ? ''
          : `; organization ${String(linked.id)}'s name is ${linked.name === mapped.organization.name ? 'current' : 'out of date'}`;
      mismatches.push({
        qboId,
        problem: `link is ${link?.state ?? 'missing'}${link?.reason ? ` (${link.reason})` : ''}${current}`,
      });
      continue;
    }
    const org = pipedrive.store.organizations.get(link.orgId);
    if (!org || org.is_deleted) {
      mismatches.push({ qboId, problem: `linked organization ${link.orgId} is gone` });
      continue;
    }
    const want = sentShape(organizationBody(mapped.organization, fields));
    const have = sentShape({
      name: org.name,
      address: org.address,
      custom_fields: Object.fromEntries(
        Object.keys(want.custom_fields).map((key) => [key, org.custom_fields[key] ?? null]),
      ),
    });
    const fieldName = new Map(Object.entries(fields.fieldKeys).map(([name, key]) => [key, name]));
    for (const key of ['name', 'address'] as const) {
      if (canonicalJson(want[key]) !== canonicalJson(have[key]))
        mismatches.push({ qboId, problem: `organization ${org.id} ${key} differs` });
    }
    for (const [key, value] of Object.entries(want.custom_fields)) {
      const stored = have.custom_fields[key];
      if (canonicalJson(value) !== canonicalJson(stored))
        mismatches.push({
          qboId,
          problem: `organization ${org.id} ${fieldName.get(key) ?? key} is ${canonicalJson(stored)}, QBO says ${canonicalJson(value)}`,
        });
    }
    const person = mapped.person;
    if (person) {
      const stored = link.personId === undefined ? undefined : pipedrive.store.persons.get(link.personId);
      const shape = (p: { name: string; emails?: unknown; phones?: unknown }) =>
        canonicalJson({ name: p.name, emails: p.emails, phones: p.phones });
      if (!stored || stored.is_deleted) mismatches.push({ qboId, problem: 'contact person missing' });
      else if (stored.org_id !== link.orgId)
        mismatches.push({ qboId, problem: 'contact person on another organization' });
      else if (shape(stored) !== shape(person)) mismatches.push({ qboId, problem: `person ${stored.id} differs` });
    }
  }
  const statusKey = fields.fieldKeys.quickbooksStatus ?? '';
  const mergedOption = fields.fieldOptions.quickbooksStatus?.Merged;
  for (const qboId of [...expected.subCustomers, ...expected.deleted]) {
    const link = links.get(qboId);
    const subCustomer = expected.subCustomers.has(qboId);
    const what = subCustomer ? 'sub-customer' : 'merged-away customer';
    // A merged-away customer's organization is merged into the survivor's, or, when only its deletion was seen, flagged "Merged".
    const own = (liveByQboId.get(qboId) ?? []).filter(
      (id) => subCustomer || pipedrive.store.organizations.get(id)?.custom_fields[statusKey] !== mergedOption,
    );
    if (own.length > 0)
      mismatches.push({
        qboId,
        problem: `${what} has live organization(s) ${own.join(', ')} of its own (link ${link?.state ?? 'missing'}${link?.orgId !== undefined ? ` → ${link.orgId}` : ''}${link?.reason ? `: ${link.reason}` : ''})`,
      });
    if (link && link.state !== 'excluded') mismatches.push({ qboId, problem: `${what} link is ${link.state}` });
  }
  return { checked: expected.mapped.size, mismatches };
}

/** No two live organizations carry one QBO id, none lacks one, and no two customers share an organization. */
export function duplicates(
  pipedrive: PipedriveSandbox,
  links: Map<string, LinkRow>,
  fields: FieldKeys,
): { duplicateQboIds: string[]; withoutQboId: number[]; sharedOrgs: number[]; details: string[] } {
  const qboIdKey = fields.fieldKeys.quickbooksId ?? '';
  const byQboId = new Map<string, number>();
  const withoutQboId: number[] = [];
  for (const org of pipedrive.store.organizations.values()) {
    if (org.is_deleted) continue;
    const qboId = org.custom_fields[qboIdKey];
    if (typeof qboId !== 'string') withoutQboId.push(org.id);
    else byQboId.set(qboId, (byQboId.get(qboId) ?? 0) + 1);
  }
  const owners = new Map<number, number>();
  for (const link of links.values())
    if (link.orgId !== undefined && link.state !== 'excluded')
      owners.set(link.orgId, (owners.get(link.orgId) ?? 0) + 1);
  const duplicateQboIds = [...byQboId].filter(([, count]) => count > 1).map(([id]) => id);
  const details = duplicateQboIds.map((qboId) => {
    const orgs = [...pipedrive.store.organizations.values()]
      .filter((org) => !org.is_deleted && org.custom_fields[qboIdKey] === qboId)
      .map((org) => {
        const owner = [...links.values()].find((link) => link.orgId === org.id);
        return `org ${org.id} (link of ${owner ? `customer ${owner.qboId}, ${owner.state}` : 'no customer'})`;
      });
    return `QBO id ${qboId} on ${orgs.join(', ')}`;
  });
  return {
    details,
    duplicateQboIds,
    withoutQboId,
    sharedOrgs: [...owners].filter(([, count]) => count > 1).map(([id]) => id),
  };
}

/** Secrets that appear in the captured output (by kind, never the secret itself). */
export function leakedSecrets(output: string, secrets: ReadonlyMap<string, string>): string[] {
  const leaks = new Set<string>();
  for (const [secret, kind] of secrets) if (secret.length >= 8 && output.includes(secret)) leaks.add(kind);
  return [...leaks];
}
