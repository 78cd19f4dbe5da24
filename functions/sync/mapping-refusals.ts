import type { MappingDocument } from './mapping-document';

/** A Pipedrive organization custom field as the plan sees it. */
export interface CompanyField {
  key: string;
  name: string;
  type: string;
}

/** What the plan checks a document against: Pipedrive now, and what the connection owns there. */
export interface CompanyFacts {
  /** The connection's field keys by document field name: the fields the connector created or adopted. */
  owned: Readonly<Record<string, string>>;
  /** The company's organization custom fields now. */
  organizationFields: readonly CompanyField[];
  /** Ids of the company's active users. */
  activeUserIds: ReadonlySet<number>;
}

function organizationFieldRefusals(document: MappingDocument, facts: CompanyFacts): string[] {
  const byKey = new Map(facts.organizationFields.map((field) => [field.key, field]));
  const ownedKeys = new Set(Object.values(facts.owned));
  const refusals: string[] = [];
  for (const [name, field] of Object.entries(document.organization.fields)) {
    const custom = field.custom;
    if (!custom) continue;
    const path = `organization.fields.${name}`;
    const ownedKey = facts.owned[name];
    if (ownedKey !== undefined) {
      const existing = byKey.get(ownedKey);
      if (!existing) refusals.push(`${path}: its Pipedrive field was deleted in Pipedrive`);
      else if (existing.type !== custom.type)
        refusals.push(`${path}.custom.type: the Pipedrive field "${existing.name}" is of type ${existing.type}`);
      continue;
    }
    // A new field the apply would adopt by name (custom-fields.ts): only the connector's own may be adopted.
    const named = facts.organizationFields.find((candidate) => candidate.name.trim() === custom.name);
    if (named && !ownedKeys.has(named.key))
      refusals.push(
        `${path}.custom.name: the Pipedrive field "${custom.name}" exists and the connector does not own it`,
      );
  }
  return refusals;
}

/**
 * Why a document may not be applied to this Pipedrive company, one line per problem naming its path
 * (decision 61): a custom field the connector does not own or that was deleted in Pipedrive, a
 * person custom field (the connector creates organization fields only), an owner who is not an
 * active user. Pure: the caller reads the facts.
 */
export function mappingRefusals(document: MappingDocument, facts: CompanyFacts): string[] {
  const refusals = organizationFieldRefusals(document, facts);
  for (const [name, field] of Object.entries(document.person?.fields ?? {}))
    if (field.custom) refusals.push(`person.fields.${name}.custom: the connector cannot create person custom fields`);
  for (const entity of ['organization', 'person'] as const) {
    const owner = document[entity]?.onCreate.owner_id;
    if (owner !== undefined && !facts.activeUserIds.has(owner))
      refusals.push(`${entity}.onCreate.owner_id: ${owner} is not an active Pipedrive user`);
  }
  return refusals;
}
