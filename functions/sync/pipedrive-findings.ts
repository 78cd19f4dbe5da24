import { PushedPayloadSchema } from './fingerprint';
import type { MappingDocument } from './mapping-document';
import type { FieldKeys } from './pipedrive-body';
import { driftedFields, type ListedOrganization } from './pipedrive-drift';
import type { LinkView } from './ports';
import { ownCustomerId, type QuickbooksIdentity } from './quickbooks-identity';

/** A person as listed: whether list answers include deleted ones is unverified, so one absent counts as deleted. */
export interface ListedPerson {
  id: number;
  orgId: number | null;
  isDeleted?: boolean | undefined;
}

export type ReconcileLinkView = Pick<
  LinkView,
  'qboId' | 'state' | 'orgId' | 'personId' | 'pushed' | 'orgOwner' | 'reason'
>;

/** How a merge was told from a deletion (the v2 API does not expose `merged_into_id`; decision 62). */
export type MergeEvidence = 'merged_into_id' | 'identity' | 'person';

/** What the Pipedrive-side reconcile found (decision 62). */
export type PipedriveFinding =
  | {
      kind: 'merged';
      qboId: string;
      orgId: number;
      survivorId: number;
      evidence: MergeEvidence;
      survivorOwner?: string;
    }
  | { kind: 'deleted'; qboId: string; orgId: number }
  | { kind: 'drift'; qboId: string; orgId: number; fields: string[] }
  | { kind: 'duplicateIdentity'; qboId: string; orgIds: number[]; linkedOrgId: number | undefined }
  | { kind: 'identityChanged'; qboId: string; orgId: number; found: string | undefined }
  | { kind: 'personDeleted'; qboId: string; orgId: number; personId: number }
  | { kind: 'personMoved'; qboId: string; orgId: number; personId: number; movedTo: number | null };

export interface FindingInput {
  identity: QuickbooksIdentity;
  fields: FieldKeys;
  document: MappingDocument;
  organizations: readonly ListedOrganization[];
  /** The linked persons as listed; `undefined` when persons were not listed (no person findings). */
  persons: ReadonlyMap<number, ListedPerson> | undefined;
  links: readonly ReconcileLinkView[];
}

function identityValue(org: ListedOrganization, fields: FieldKeys): string | undefined {
  const key = fields.fieldKeys.quickbooksId;
  const value = key === undefined ? undefined : org.customFields[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Compares the company's organizations with the links and what was last pushed (decision 62). Pure:
 * the caller lists, this judges. A linked organization absent from the listing (or listed deleted) was
 * deleted or merged away; as the v2 API shows no `merged_into_id`, a merge is also told by the one
 * live organization now carrying the customer's identity, or by the linked person's new organization
 * (a merge moves persons to the survivor). Without any of these it counts as deleted.
 */
export function findPipedriveDifferences(input: FindingInput): PipedriveFinding[] {
  const { identity, fields } = input;
  const live = new Map<number, ListedOrganization>();
  const gone = new Map<number, ListedOrganization>();
  for (const org of input.organizations) (org.isDeleted || org.mergedIntoId ? gone : live).set(org.id, org);
  const carrying = new Map<string, number[]>();
  for (const org of live.values()) {
    const own = ownCustomerId(identityValue(org, fields), identity);
    if (own !== undefined) carrying.set(own, [...(carrying.get(own) ?? []), org.id]);
  }
  const ownerOf = new Map<number, string>();
  // A "merged into" link (decision 64) points at another customer's organization: it owns nothing.
  for (const link of input.links)
    if (link.orgId !== undefined && link.state !== 'excluded' && link.orgOwner === undefined)
      ownerOf.set(link.orgId, link.qboId);

  const findings: PipedriveFinding[] = [];
  for (const link of input.links) {
    const orgId = link.orgId;
    if (link.state === 'excluded' || orgId === undefined) continue;
    const carriers = carrying.get(link.qboId) ?? [];
    if (carriers.length > 1)
      findings.push({ kind: 'duplicateIdentity', qboId: link.qboId, orgIds: carriers, linkedOrgId: orgId });
    const org = live.get(orgId);
    if (!org) {
      findings.push(goneFinding(link, orgId, gone.get(orgId), carriers, live, input.persons, ownerOf));
      continue;
    }
    const personFinding = personDifference(link, orgId, input.persons);
    // The organization's identity and fields are its owner's, judged on the owner's link (decision 64).
    if (link.orgOwner !== undefined) {
      if (personFinding) findings.push(personFinding);
      continue;
    }
    const found = identityValue(org, fields);
    if (fields.fieldKeys.quickbooksId !== undefined && ownCustomerId(found, identity) !== link.qboId)
      findings.push({ kind: 'identityChanged', qboId: link.qboId, orgId, found });
    const pushed = PushedPayloadSchema.safeParse(link.pushed);
    if (pushed.success) {
      const drifted = driftedFields(pushed.data.organization, org, fields, input.document);
      if (drifted.length > 0) findings.push({ kind: 'drift', qboId: link.qboId, orgId, fields: drifted });
    }
    if (personFinding) findings.push(personFinding);
  }
  // An identity on several organizations none of which is linked (the customer was never synced, or is excluded).
  const linked = new Set(input.links.filter((link) => link.orgId !== undefined).map((link) => link.qboId));
  for (const [qboId, carriers] of carrying)
    if (carriers.length > 1 && !linked.has(qboId))
      findings.push({ kind: 'duplicateIdentity', qboId, orgIds: carriers, linkedOrgId: undefined });
  return findings;
}

function goneFinding(
  link: ReconcileLinkView,
  orgId: number,
  listedGone: ListedOrganization | undefined,
  carriers: readonly number[],
  live: ReadonlyMap<number, ListedOrganization>,
  persons: ReadonlyMap<number, ListedPerson> | undefined,
  ownerOf: ReadonlyMap<number, string>,
): PipedriveFinding {
  const merged = (survivorId: number, evidence: MergeEvidence): PipedriveFinding => {
    // A "merged into" link whose survivor was merged on (decision 64): by its person it followed its
    // owner's organization there, which stays the owner's unless another customer's link says otherwise.
    const followed = link.orgOwner !== undefined && evidence !== 'identity' ? link.orgOwner : undefined;
    const owner = ownerOf.get(survivorId) ?? followed;
    return {
      kind: 'merged',
      qboId: link.qboId,
      orgId,
      survivorId,
      evidence,
      ...(owner !== undefined && owner !== link.qboId ? { survivorOwner: owner } : {}),
    };
  };
  const mergedInto = listedGone?.mergedIntoId;
  if (mergedInto && live.has(mergedInto)) return merged(mergedInto, 'merged_into_id');
  // A survivor with no identity of its own takes the loser's (the merge keeps the survivor's values, fills the rest).
  const [carrier] = carriers;
  if (carriers.length === 1 && carrier !== undefined) return merged(carrier, 'identity');
  const person = link.personId === undefined ? undefined : persons?.get(link.personId);
  if (person && !person.isDeleted && person.orgId !== null && person.orgId !== orgId && live.has(person.orgId))
    return merged(person.orgId, 'person');
  return { kind: 'deleted', qboId: link.qboId, orgId };
}

function personDifference(
  link: ReconcileLinkView,
  orgId: number,
  persons: ReadonlyMap<number, ListedPerson> | undefined,
): PipedriveFinding | undefined {
  if (persons === undefined || link.personId === undefined) return undefined;
  const person = persons.get(link.personId);
  if (!person || person.isDeleted) return { kind: 'personDeleted', qboId: link.qboId, orgId, personId: link.personId };
  if (person.orgId !== orgId)
    return { kind: 'personMoved', qboId: link.qboId, orgId, personId: link.personId, movedTo: person.orgId };
  return undefined;
}
