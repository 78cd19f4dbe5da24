import * as z from '../shared/zod-mini';

/**
 * Request and response shapes of the v2 organization, person and field objects ([SPEC2], [MIG]).
 * Responses are parsed leniently (unknown fields pass); requests strictly, so a mistake of ours is
 * caught before it costs tokens.
 */

const text = z.string().check(
  z.maxLength(255),
  z.refine((value) => value.trim().length > 0, 'must not be empty'),
);
const id = z.number().check(z.int(), z.positive());
const part = z.optional(z.string().check(z.maxLength(255)));

/**
 * The v2 address as the spec types it: a non-nullable object of strings. Parts left out become null,
 * on PATCH too ([MIG]), so a part is left out rather than sent as null; `{ value: '' }` clears the
 * whole address (decision 43).
 */
export const AddressWrite = z.strictObject({
  value: z.string().check(z.maxLength(255)),
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
const customFields = z.record(z.string().check(z.minLength(1)), z.unknown());

const shared = {
  owner_id: z.optional(id),
  visible_to: z.optional(z.number().check(z.int())),
  label_ids: z.optional(z.array(id)),
  custom_fields: z.optional(customFields),
};

export const OrganizationCreate = z.strictObject({
  name: text,
  address: z.optional(AddressWrite),
  ...shared,
});
export type OrganizationCreate = z.input<typeof OrganizationCreate>;
export const OrganizationPatch = z.partial(OrganizationCreate);
export type OrganizationPatch = z.input<typeof OrganizationPatch>;

/** `emails`/`phones` entries: `label` is a string (default `work`); at most one `primary`. */
const ContactWrite = z.strictObject({
  value: text,
  primary: z.optional(z.boolean()),
  label: z.optional(z.string().check(z.minLength(1))),
});
const contacts = z
  .array(ContactWrite)
  .check(
    z.refine((items) => items.filter((item) => item.primary === true).length <= 1, 'at most one entry may be primary'),
  );

const personFields = {
  name: z.optional(text),
  first_name: z.optional(text),
  last_name: z.optional(text),
  /** Links the person to an organization. */
  org_id: z.optional(z.nullable(id)),
  emails: z.optional(contacts),
  phones: z.optional(contacts),
  ...shared,
};
export const PersonCreate = z.strictObject(personFields).check(
  z.refine(
    (person) => person.name !== undefined || (person.first_name !== undefined && person.last_name !== undefined),
    {
      message: 'name is required (or first_name and last_name)',
      path: ['name'],
    },
  ),
);
export type PersonCreate = z.input<typeof PersonCreate>;
export const PersonPatch = z.strictObject(personFields);
export type PersonPatch = z.input<typeof PersonPatch>;

export const FieldCreate = z.strictObject({
  field_name: text,
  field_type: z.string().check(z.minLength(1)),
  options: z.optional(z.array(z.strictObject({ label: text }))),
});
export type FieldCreate = z.input<typeof FieldCreate>;

const Address = z.looseObject({
  value: z.optional(z.nullable(z.string())),
  street_number: z.optional(z.nullable(z.string())),
  route: z.optional(z.nullable(z.string())),
  subpremise: z.optional(z.nullable(z.string())),
  sublocality: z.optional(z.nullable(z.string())),
  locality: z.optional(z.nullable(z.string())),
  admin_area_level_1: z.optional(z.nullable(z.string())),
  admin_area_level_2: z.optional(z.nullable(z.string())),
  country: z.optional(z.nullable(z.string())),
  postal_code: z.optional(z.nullable(z.string())),
  formatted_address: z.optional(z.nullable(z.string())),
});

export const PipedriveOrganization = z.looseObject({
  id: z.number().check(z.int()),
  name: z.string(),
  owner_id: z.optional(z.nullable(z.number().check(z.int()))),
  add_time: z.optional(z.nullable(z.string())),
  update_time: z.optional(z.nullable(z.string())),
  is_deleted: z._default(z.boolean(), false),
  visible_to: z.optional(z.nullable(z.number().check(z.int()))),
  address: z.optional(z.nullable(Address)),
  label_ids: z.optional(z.nullable(z.array(z.number()))),
  custom_fields: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});
export type PipedriveOrganization = z.infer<typeof PipedriveOrganization>;

const ContactValue = z.looseObject({
  value: z.string(),
  primary: z.optional(z.boolean()),
  label: z.optional(z.nullable(z.string())),
});

export const PipedrivePerson = z.looseObject({
  id: z.number().check(z.int()),
  name: z.string(),
  first_name: z.optional(z.nullable(z.string())),
  last_name: z.optional(z.nullable(z.string())),
  org_id: z.optional(z.nullable(z.number().check(z.int()))),
  owner_id: z.optional(z.nullable(z.number().check(z.int()))),
  emails: z.optional(z.nullable(z.array(ContactValue))),
  phones: z.optional(z.nullable(z.array(ContactValue))),
  add_time: z.optional(z.nullable(z.string())),
  update_time: z.optional(z.nullable(z.string())),
  is_deleted: z._default(z.boolean(), false),
  custom_fields: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});
export type PipedrivePerson = z.infer<typeof PipedrivePerson>;

/** The v2 field object: `field_code` is the key (40 hex characters for custom fields). */
export const PipedriveField = z.looseObject({
  field_code: z.string().check(z.minLength(1)),
  field_name: z.string(),
  field_type: z.string(),
  is_custom_field: z.optional(z.boolean()),
  options: z.optional(z.nullable(z.array(z.looseObject({ id: z.number().check(z.int()), label: z.string() })))),
});
export type PipedriveField = z.infer<typeof PipedriveField>;

/** `itemSearch/field` answers `[{ id, name }]`. */
export const SearchHit = z.looseObject({ id: z.number().check(z.int()), name: z.optional(z.nullable(z.string())) });

export const IdOnly = z.looseObject({ id: z.number().check(z.int()) });

/**
 * A user of `GET /v1/users` (20 tokens; OAuth needs the `users:read` scope), as the mapping plan reads
 * it: who may own the records the connector creates.
 */
export const PipedriveUser = z.looseObject({ id: z.number(), active_flag: z.boolean() });
export type PipedriveUser = z.infer<typeof PipedriveUser>;
