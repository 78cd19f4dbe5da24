import * as z from 'zod';

/**
 * Request and response shapes of the v2 organization, person and field objects ([SPEC2], [MIG]).
 * Responses are parsed leniently (unknown fields pass); requests strictly, so a mistake of ours is
 * caught before it costs tokens.
 */

const text = z
  .string()
  .max(255)
  .refine((value) => value.trim().length > 0, 'must not be empty');
const id = z.number().int().positive();
const part = z.string().max(255).optional();

/**
 * The v2 address as the spec types it: a non-nullable object of strings. Parts left out become null,
 * on PATCH too ([MIG]), so a part is left out rather than sent as null; `{ value: '' }` clears the
 * whole address (decision 43).
 */
export const AddressWrite = z.strictObject({
  value: z.string().max(255),
  street_number: part,
  route: part,
  subpremise: part,
  sublocality: part,
  locality: part,
  admin_area_level_1: part,
  admin_area_level_2: part,
  country: part,
  postal_code: part,
});

/** Custom-field values by 40-character key; null clears a value. */
const customFields = z.record(z.string().min(1), z.unknown());

const shared = {
  owner_id: id.optional(),
  visible_to: z.number().int().optional(),
  label_ids: z.array(id).optional(),
  custom_fields: customFields.optional(),
};

export const OrganizationCreate = z.strictObject({
  name: text,
  address: AddressWrite.optional(),
  ...shared,
});
export type OrganizationCreate = z.input<typeof OrganizationCreate>;
export const OrganizationPatch = OrganizationCreate.partial();
export type OrganizationPatch = z.input<typeof OrganizationPatch>;

/** `emails`/`phones` entries: `label` is a string (default `work`); at most one `primary`. */
const ContactWrite = z.strictObject({
  value: text,
  primary: z.boolean().optional(),
  label: z.string().min(1).optional(),
});
const contacts = z
  .array(ContactWrite)
  .refine((items) => items.filter((item) => item.primary === true).length <= 1, 'at most one entry may be primary');

const personFields = {
  name: text.optional(),
  first_name: text.optional(),
  last_name: text.optional(),
  /** Links the person to an organization. */
  org_id: id.nullable().optional(),
  emails: contacts.optional(),
  phones: contacts.optional(),
  ...shared,
};
export const PersonCreate = z
  .strictObject(personFields)
  .refine(
    (person) => person.name !== undefined || (person.first_name !== undefined && person.last_name !== undefined),
    {
      message: 'name is required (or first_name and last_name)',
      path: ['name'],
    },
  );
export type PersonCreate = z.input<typeof PersonCreate>;
export const PersonPatch = z.strictObject(personFields);
export type PersonPatch = z.input<typeof PersonPatch>;

export const FieldCreate = z.strictObject({
  field_name: text,
  field_type: z.string().min(1),
  options: z.array(z.strictObject({ label: text })).optional(),
});
export type FieldCreate = z.input<typeof FieldCreate>;

const Address = z.looseObject({
  value: z.string().nullable().optional(),
  street_number: z.string().nullable().optional(),
  route: z.string().nullable().optional(),
  subpremise: z.string().nullable().optional(),
  sublocality: z.string().nullable().optional(),
  locality: z.string().nullable().optional(),
  admin_area_level_1: z.string().nullable().optional(),
  admin_area_level_2: z.string().nullable().optional(),
  country: z.string().nullable().optional(),
  postal_code: z.string().nullable().optional(),
  formatted_address: z.string().nullable().optional(),
});

export const PipedriveOrganization = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  owner_id: z.number().int().nullable().optional(),
  add_time: z.string().nullable().optional(),
  update_time: z.string().nullable().optional(),
  is_deleted: z.boolean().default(false),
  visible_to: z.number().int().nullable().optional(),
  address: Address.nullable().optional(),
  label_ids: z.array(z.number()).nullable().optional(),
  custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type PipedriveOrganization = z.infer<typeof PipedriveOrganization>;

const ContactValue = z.looseObject({
  value: z.string(),
  primary: z.boolean().optional(),
  label: z.string().nullable().optional(),
});

export const PipedrivePerson = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
  org_id: z.number().int().nullable().optional(),
  owner_id: z.number().int().nullable().optional(),
  emails: z.array(ContactValue).nullable().optional(),
  phones: z.array(ContactValue).nullable().optional(),
  add_time: z.string().nullable().optional(),
  update_time: z.string().nullable().optional(),
  is_deleted: z.boolean().default(false),
  custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type PipedrivePerson = z.infer<typeof PipedrivePerson>;

/** The v2 field object: `field_code` is the key (40 hex characters for custom fields). */
export const PipedriveField = z.looseObject({
  field_code: z.string().min(1),
  field_name: z.string(),
  field_type: z.string(),
  is_custom_field: z.boolean().optional(),
  options: z
    .array(z.looseObject({ id: z.number().int(), label: z.string() }))
    .nullable()
    .optional(),
});
export type PipedriveField = z.infer<typeof PipedriveField>;

/** `itemSearch/field` answers `[{ id, name }]`. */
export const SearchHit = z.looseObject({ id: z.number().int(), name: z.string().nullable().optional() });

export const IdOnly = z.looseObject({ id: z.number().int() });

/**
 * A user of `GET /v1/users` (20 tokens; OAuth needs the `users:read` scope), as the mapping plan reads
 * it: who may own the records the connector creates.
 */
export const PipedriveUser = z.looseObject({ id: z.number(), active_flag: z.boolean() });
export type PipedriveUser = z.infer<typeof PipedriveUser>;
