import * as z from '../shared/zod-mini';
import { type Entity, MAPPED_FIELD_TYPES } from './mapping-catalog';
import { checkField } from './mapping-document-checks';

/**
 * The mapping document (decision 57): which QBO Customer values go to which Pipedrive fields. A key in
 * `fields` that names a standard field (organization: name, address; person: name, emails, phones)
 * maps it; any other key is a custom field the connector owns and must say `custom`. The key is also
 * the field's name in the pushed payload, so equal documents give equal fingerprints.
 */
const Scalar = z.union([z.string(), z.number()]);

const CustomField = z.strictObject({
  /** The field name users see in Pipedrive. */
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(255)),
  type: z.enum(MAPPED_FIELD_TYPES),
  /** Option labels, for enum and set fields. */
  options: z.optional(z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(255))).check(z.minLength(1))),
});

const FieldMapping = z.strictObject({
  custom: z.optional(CustomField),
  /** A QBO Customer path (`WebAddr.URI`) or a value the connector derives (`$openBalance`). */
  from: z.optional(z.string()),
  /** The non-empty values of several sources, joined. */
  join: z.optional(
    z.strictObject({ from: z.array(z.string()).check(z.minLength(1)), separator: z._default(z.string(), ' ') }),
  ),
  /** Text with `{Path}` placeholders, e.g. `{GivenName} {FamilyName}`. */
  template: z.optional(z.string()),
  constant: z.optional(Scalar),
  /** Maps a value to another (an enum option, usually); a value not listed becomes empty. */
  lookup: z.optional(z.record(z.string(), Scalar)),
  /** The value when the mapped one is empty. */
  default: z.optional(Scalar),
});
export type FieldMapping = z.infer<typeof FieldMapping>;

/** Pipedrive's visibility levels (1/3 on Lite–Professional, 1/3/5/7 on Premium and Ultimate). */
const VISIBILITY = [1, 3, 5, 7] as const;

/** Set on records the connector creates only; an existing record keeps its owner, visibility and labels. */
const OnCreate = z.strictObject({
  owner_id: z.optional(z.number().check(z.int(), z.positive())),
  visible_to: z.optional(
    z
      .number()
      .check(
        z.refine((level) => VISIBILITY.some((allowed) => allowed === level), `must be one of ${VISIBILITY.join(', ')}`),
      ),
  ),
  label_ids: z.optional(z.array(z.number().check(z.int(), z.positive()))),
});
export type OnCreate = z.infer<typeof OnCreate>;

const FieldName = z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a field name is letters, digits and _'));

/** The fields are checked as a whole, so their problems are reported even when a sibling section has some. */
const Fields = (entity: Entity) =>
  z.record(FieldName, FieldMapping).check(
    z.superRefine((fields, context) => {
      if (!('name' in fields)) context.addIssue({ code: 'custom', path: [], message: 'maps no name' });
      for (const [name, field] of Object.entries(fields))
        for (const problem of checkField(entity, name, field))
          context.addIssue({ code: 'custom', path: [name, ...problem.path], message: problem.message });
    }),
  );

const EntityMapping = (entity: Entity) =>
  z.strictObject({ fields: Fields(entity), onCreate: z._default(OnCreate, {}) });

export const MappingDocument = z.strictObject({
  version: z.literal(1),
  organization: EntityMapping('organization'),
  /** null: no person is made for the primary contact. */
  person: z.nullable(EntityMapping('person')),
});
export type MappingDocument = z.infer<typeof MappingDocument>;
export type MappingDocumentInput = z.input<typeof MappingDocument>;
export type EntityMapping = MappingDocument['organization'];

export type ParsedMapping = { ok: true; document: MappingDocument } | { ok: false; errors: string[] };

function issueLine(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  return `${path || '(document)'}: ${issue.message}`;
}

/** Validates a document; each problem is one line naming its path. */
export function parseMappingDocument(input: unknown): ParsedMapping {
  const parsed = MappingDocument.safeParse(input);
  if (parsed.success) return { ok: true, document: parsed.data };
  return { ok: false, errors: parsed.error.issues.map(issueLine) };
}

/** Parses the JSON text of a document (a file a user wrote). */
export function parseMappingJson(text: string): ParsedMapping {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`(document): not JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
  return parseMappingDocument(input);
}
