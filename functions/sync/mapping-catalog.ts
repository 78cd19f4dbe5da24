/**
 * What a mapping document may name (decision 57): the documented QBO Customer fields by path, the
 * values the connector derives ($-names), Pipedrive's standard fields and the custom field types, each
 * with the kind of value it holds or takes.
 */
export type ValueKind = 'text' | 'number' | 'boolean' | 'date' | 'money' | 'address' | 'emails' | 'phones';

const TEXT_PATHS = [
  'Id',
  'DisplayName',
  'Title',
  'GivenName',
  'MiddleName',
  'FamilyName',
  'Suffix',
  'CompanyName',
  'PrintOnCheckName',
  'FullyQualifiedName',
  'PrimaryEmailAddr.Address',
  'PrimaryPhone.FreeFormNumber',
  'AlternatePhone.FreeFormNumber',
  'Mobile.FreeFormNumber',
  'Fax.FreeFormNumber',
  'WebAddr.URI',
  'Notes',
  'PreferredDeliveryMethod',
  'ResaleNum',
  'Source',
  'PrimaryTaxIdentifier',
  'SecondaryTaxIdentifier',
  'TaxExemptionReasonId',
  'GSTIN',
  'BusinessNumber',
  ...[
    'SalesTermRef',
    'PaymentMethodRef',
    'DefaultTaxCodeRef',
    'CustomerTypeRef',
    'ParentRef',
    'CurrencyRef',
    'ARAccountRef',
  ].flatMap((ref) => [`${ref}.value`, `${ref}.name`]),
  ...['BillAddr', 'ShipAddr'].flatMap((address) =>
    ['Line1', 'Line2', 'Line3', 'Line4', 'Line5', 'City', 'CountrySubDivisionCode', 'PostalCode', 'Country'].map(
      (part) => `${address}.${part}`,
    ),
  ),
];

/** Documented Customer fields (the QBO API reference as summarised in the reference facts, §4.1), by path. */
export const QBO_CUSTOMER_PATHS: ReadonlyMap<string, ValueKind> = new Map<string, ValueKind>([
  ...TEXT_PATHS.map((path): [string, ValueKind] => [path, 'text']),
  ...['Balance', 'BalanceWithJobs', 'Level'].map((path): [string, ValueKind] => [path, 'number']),
  ...['Active', 'Job', 'BillWithParent', 'Taxable', 'IsProject'].map((path): [string, ValueKind] => [path, 'boolean']),
  ...['OpenBalanceDate', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'].map((path): [string, ValueKind] => [
    path,
    'date',
  ]),
  ['BillAddr', 'address'],
  ['ShipAddr', 'address'],
]);

/** Values the connector derives from the customer and what it reads besides (mapping.ts). */
export const DERIVED_VALUES = {
  $organizationName: 'text',
  $billingAddress: 'address',
  $quickbooksId: 'text',
  $openBalance: 'money',
  $overdueBalance: 'money',
  $paymentTerms: 'text',
  $quickbooksStatus: 'text',
  $quickbooksLink: 'text',
  $personName: 'text',
  $emails: 'emails',
  $phones: 'phones',
  $currency: 'text',
} as const satisfies Record<string, ValueKind>;
export type DerivedValue = keyof typeof DERIVED_VALUES;

export function isDerivedValue(source: string): source is DerivedValue {
  return Object.hasOwn(DERIVED_VALUES, source);
}

/** The kind a source holds, or undefined for a name that is neither a documented path nor a derived value. */
export function sourceKind(source: string): ValueKind | undefined {
  return isDerivedValue(source) ? DERIVED_VALUES[source] : QBO_CUSTOMER_PATHS.get(source);
}

/**
 * Standard fields a document may map, with the kind each takes; their JSON types are checked against
 * Pipedrive's v2 spec in the tests. `owner_id`, `visible_to` and `label_ids` are set for new records only.
 */
export const STANDARD_FIELDS = {
  organization: { name: 'text', address: 'address' },
  person: { name: 'text', emails: 'emails', phones: 'phones' },
} as const satisfies Record<string, Record<string, ValueKind>>;
export type Entity = keyof typeof STANDARD_FIELDS;

/** The kind a standard field takes, or undefined when the name is not one of the entity's standard fields. */
export function standardFieldKind(entity: Entity, name: string): ValueKind | undefined {
  const fields: Readonly<Record<string, ValueKind>> = STANDARD_FIELDS[entity];
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/** Pipedrive custom field types a document may create (v2 field_type). */
export const MAPPED_FIELD_TYPES = [
  'varchar',
  'text',
  'phone',
  'double',
  'monetary',
  'enum',
  'set',
  'date',
  'address',
] as const;
export type MappedFieldType = (typeof MAPPED_FIELD_TYPES)[number];

/** The kinds of value each custom field type accepts. */
const CUSTOM_FIELD_TYPES: Readonly<Record<MappedFieldType, readonly ValueKind[]>> = {
  varchar: ['text', 'number', 'boolean', 'date'],
  text: ['text', 'number', 'boolean', 'date'],
  phone: ['text'],
  double: ['number', 'text'],
  monetary: ['money', 'number'],
  enum: ['text', 'number', 'boolean'],
  set: ['text', 'number', 'boolean'],
  date: ['date', 'text'],
  address: ['address'],
};

export function acceptsKind(type: MappedFieldType, kind: ValueKind): boolean {
  return CUSTOM_FIELD_TYPES[type].includes(kind);
}
