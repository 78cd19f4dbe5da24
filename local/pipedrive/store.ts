/** The sandbox company's data, held in memory. Times are sandbox epoch milliseconds. */

export const ADDRESS_PARTS = [
  'street_number',
  'route',
  'subpremise',
  'sublocality',
  'locality',
  'admin_area_level_1',
  'admin_area_level_2',
  'country',
  'postal_code',
] as const;
export type AddressPart = (typeof ADDRESS_PARTS)[number];

export type Address = { value: string; formatted_address: string | null } & Record<AddressPart, string | null>;

export interface ContactValue {
  value: string;
  primary: boolean;
  label: string;
}

export interface Organization {
  id: number;
  name: string;
  owner_id: number;
  visible_to: number;
  label_ids: number[];
  address: Address | null;
  /** Only the custom fields that hold a value; responses fill in the rest with null. */
  custom_fields: Record<string, unknown>;
  add_time: number;
  update_time: number;
  is_deleted: boolean;
  /** Set when a merge removed this organization: the survivor's id. */
  merged_into_id: number | null;
}

export interface Person {
  id: number;
  name: string;
  first_name: string | null;
  last_name: string | null;
  owner_id: number;
  org_id: number | null;
  emails: ContactValue[];
  phones: ContactValue[];
  visible_to: number;
  label_ids: number[];
  custom_fields: Record<string, unknown>;
  add_time: number;
  update_time: number;
  is_deleted: boolean;
}

export type FieldEntity = 'organization' | 'person';

export interface FieldOption {
  id: number;
  label: string;
}

export interface FieldDefinition {
  /** The v1 numeric id; v2 has only `field_code`. */
  id: number;
  entity: FieldEntity;
  field_code: string;
  field_name: string;
  field_type: string;
  options: FieldOption[] | null;
  is_custom_field: boolean;
  mandatory: boolean;
  order_nr: number;
  add_time: number;
  update_time: number;
}

export interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  expiresAt: number;
  used: boolean;
  /** Tokens issued from this code, revoked if the code is replayed (RFC 6749 §4.1.2). */
  issuedRefreshToken: string | null;
}

export interface AccessToken {
  clientId: string;
  refreshToken: string;
  scope: string;
  expiresAt: number;
  revoked: boolean;
}

export interface RefreshToken {
  clientId: string;
  scope: string;
  expiresAt: number;
  revoked: boolean;
}

type Sequence = 'organization' | 'person' | 'field' | 'option';

export class PipedriveStore {
  readonly organizations = new Map<number, Organization>();
  readonly persons = new Map<number, Person>();
  readonly fields: FieldDefinition[] = [];
  readonly authorizationCodes = new Map<string, AuthorizationCode>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  private sequences: Record<Sequence, number> = { organization: 0, person: 0, field: 0, option: 0 };

  nextId(kind: Sequence): number {
    this.sequences[kind] += 1;
    return this.sequences[kind];
  }

  customFields(entity: FieldEntity): FieldDefinition[] {
    return this.fields.filter((field) => field.entity === entity && field.is_custom_field);
  }

  field(entity: FieldEntity, fieldCode: string): FieldDefinition | undefined {
    return this.fields.find((field) => field.entity === entity && field.field_code === fieldCode);
  }

  /** Live (not deleted) organization. */
  organization(id: number): Organization | undefined {
    const organization = this.organizations.get(id);
    return organization && !organization.is_deleted ? organization : undefined;
  }

  person(id: number): Person | undefined {
    const person = this.persons.get(id);
    return person && !person.is_deleted ? person : undefined;
  }

  clear(): void {
    this.organizations.clear();
    this.persons.clear();
    this.fields.length = 0;
    this.authorizationCodes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.sequences = { organization: 0, person: 0, field: 0, option: 0 };
  }
}
