/**
 * Where the published specs disagree with the documented behaviour the sandbox follows, the
 * conformance check patches the spec (`applyErrata`). Anything not listed is checked as published:
 * - v2 addOrganization: the request schema requires `title`; only `name` is required (FACTS §2, [MIG]).
 * - `next_cursor` is null on the last page ([PAG]); the v2 schemas type it as a plain string.
 * - An organization without an address has `address: null`, and address parts not sent are null ([MIG]).
 * - A person without an organization has `org_id: null`; `picture_id`, `first_name`, `last_name` may be null.
 * - Search items: `address` and `organization` are null when absent (as in the persons/search example).
 */

/** Properties that may be null in any response, whatever the schema says (see the errata above). */
const NULLABLE_PROPERTIES = new Set([
  'next_cursor',
  'address',
  'postal_address',
  'org_id',
  'picture_id',
  'first_name',
  'last_name',
  'organization',
]);

type SchemaNode = Record<string, unknown>;

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The same object (never a copy: the errata patch in place). */
function asNode(value: unknown): SchemaNode | undefined {
  return isNode(value) ? value : undefined;
}

/** Marks the listed properties (and every part of an address object) nullable, in place. */
function relaxNullable(schema: SchemaNode, insideAddress = false): void {
  const properties = asNode(schema.properties);
  if (properties) {
    for (const [name, child] of Object.entries(properties)) {
      const node = asNode(child);
      if (!node) continue;
      if (insideAddress || NULLABLE_PROPERTIES.has(name)) node.nullable = true;
      relaxNullable(node, name === 'address' || name === 'postal_address');
    }
  }
  for (const key of ['items', 'additionalProperties', 'not']) {
    const node = asNode(schema[key]);
    if (node) relaxNullable(node);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = schema[key];
    if (Array.isArray(list)) for (const item of list) relaxNullable(asNode(item) ?? {});
  }
}

function operations(spec: SchemaNode): SchemaNode[] {
  const out: SchemaNode[] = [];
  for (const item of Object.values(asNode(spec.paths) ?? {})) {
    for (const operation of Object.values(asNode(item) ?? {})) {
      const node = asNode(operation);
      if (node) out.push(node);
    }
  }
  return out;
}

function responseSchemas(operation: SchemaNode): SchemaNode[] {
  const out: SchemaNode[] = [];
  for (const response of Object.values(asNode(operation.responses) ?? {})) {
    for (const media of Object.values(asNode(asNode(response)?.content) ?? {})) {
      const schema = asNode(asNode(media)?.schema);
      if (schema) out.push(schema);
    }
  }
  return out;
}

/** Applies the errata above to a parsed spec document, in place. */
export function applyErrata(spec: unknown): void {
  const document = asNode(spec);
  if (!document) throw new Error('not an OpenAPI document');
  for (const operation of operations(document)) {
    for (const schema of responseSchemas(operation)) relaxNullable(schema);
    if (operation.operationId === 'addOrganization') {
      const json = asNode(asNode(asNode(operation.requestBody)?.content)?.['application/json']);
      const schema = asNode(json?.schema);
      if (schema && Array.isArray(schema.required)) schema.required = ['name'];
    }
  }
}
