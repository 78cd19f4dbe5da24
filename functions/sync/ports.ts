import type { Contact, MappedAddress } from './mapping';
import type { QboCustomer } from './qbo-entities';

/**
 * The small interfaces the sync use case needs (ARCHITECTURE §6). The QBO and Pipedrive clients and
 * the DynamoDB stores implement them; tests use the real ones against the sandboxes and emulators.
 */

export interface InvalidRecord {
  id: string | undefined;
  problems: string[];
}

export interface QuickBooksReader {
  readCustomers(
    ids: readonly string[],
  ): Promise<{ customers: QboCustomer[]; invalid: InvalidRecord[]; missing: string[] }>;
  customersOf(entity: 'Invoice' | 'Payment', ids: readonly string[]): Promise<Map<string, string>>;
  overdueBalances(customerIds: readonly string[], today: string): Promise<Map<string, number>>;
  termNames(): Promise<Map<string, string>>;
  /** Sub-customers of the given customers, inactive ones included. */
  childrenOf(parentIds: readonly string[]): Promise<QboCustomer[]>;
}

/** The v2 address as sent: parts that are absent are left out (never null); `{ value: '' }` clears it. */
export type AddressBody = { value: string } & Partial<Record<Exclude<keyof MappedAddress, 'value'>, string>>;

export interface OrganizationBody {
  name: string;
  address: AddressBody;
  custom_fields: Record<string, unknown>;
}

export interface PersonBody {
  name: string;
  org_id: number;
  emails: Contact[];
  phones: Contact[];
}

export interface PipedriveWriter {
  createOrganization(input: OrganizationBody): Promise<{ id: number }>;
  updateOrganization(id: number, patch: Partial<OrganizationBody>): Promise<unknown>;
  /** Organization ids whose custom field equals `value` exactly. */
  findOrganizationIdsByField(fieldKey: string, value: string): Promise<number[]>;
  /** Merges organization `id` into `mergeWithId` (which survives). */
  mergeOrganizations(id: number, mergeWithId: number): Promise<unknown>;
  createPerson(input: PersonBody): Promise<{ id: number }>;
  updatePerson(id: number, patch: Partial<PersonBody>): Promise<unknown>;
  /** Tokens spent so far by this client (by the specs' x-token-cost). */
  readonly tokensSpent: number;
}

export interface LinkView {
  qboId: string;
  state: 'pending' | 'synced' | 'failed' | 'excluded' | 'review';
  orgId?: number | undefined;
  personId?: number | undefined;
  fingerprint?: string | undefined;
  pushed?: unknown;
  lastPushedUpdatedAtMs?: number | undefined;
  lastPushedSyncToken?: string | undefined;
  pendingSince?: number | undefined;
  mergedInto?: string | undefined;
}

export interface LinkRepository {
  getMany(realmId: string, qboIds: readonly string[]): Promise<Map<string, LinkView>>;
  /** `owner` (the message's event id) may take over its own claim: its earlier attempt is over. */
  claimCreate(realmId: string, qboId: string, now: number, staleAfterMs: number, owner?: string): Promise<LinkView>;
  recordOrganization(realmId: string, qboId: string, orgId: number, now: number): Promise<void>;
  /** Forgets a create claim whose create was refused (nothing was made), if it is still this owner's. */
  abandonClaim(realmId: string, qboId: string, owner: string): Promise<void>;
  markSynced(
    realmId: string,
    qboId: string,
    synced: {
      orgId: number;
      personId?: number;
      pushed: unknown;
      fingerprint: string;
      lastPushedUpdatedTime: string;
      lastPushedUpdatedAtMs: number;
      lastPushedSyncToken: string;
    },
    now: number,
  ): Promise<void>;
  markState(
    realmId: string,
    qboId: string,
    state: 'failed' | 'excluded' | 'review',
    reason: string,
    now: number,
    mergedInto?: string,
  ): Promise<void>;
  repoint(realmId: string, qboId: string, orgId: number, now: number): Promise<void>;
  forgetOrganization(realmId: string, qboId: string, now: number): Promise<void>;
}

export interface AuditRecord {
  realmId: string;
  qboId: string;
  at: number;
  source: 'webhook' | 'cdc' | 'backfill' | 'reconcile' | 'replay';
  action: 'created' | 'updated' | 'unchanged' | 'stale' | 'excluded' | 'failed' | 'merged' | 'matched' | 'held';
  diff?: Record<string, [unknown, unknown]>;
  orgId?: number;
  personId?: number;
  pipedriveTokens: number;
  qboUpdatedTime?: string;
  eventId?: string;
  error?: { kind: string; message: string };
  note?: string;
}

export interface AuditTrail {
  append(entry: AuditRecord): Promise<unknown>;
}
