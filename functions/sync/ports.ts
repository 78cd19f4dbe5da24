import type { Contact, MappedAddress } from './mapping';
import type { QboCustomer } from './qbo-entities';

/**
 * The small interfaces the sync use case needs (docs/architecture.md#layers). The QBO and Pipedrive clients and
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

/** Set by a mapping document on records the connector creates only (decision 57). */
interface CreatedRecordSettings {
  owner_id?: number;
  visible_to?: number;
  label_ids?: number[];
}

export interface OrganizationBody extends CreatedRecordSettings {
  name: string;
  /** Absent when the mapping document maps no address. */
  address?: AddressBody;
  custom_fields: Record<string, unknown>;
}

export interface PersonBody extends CreatedRecordSettings {
  name: string;
  org_id: number;
  emails?: Contact[];
  phones?: Contact[];
  custom_fields?: Record<string, unknown>;
}

export interface PipedriveWriter {
  createOrganization(input: OrganizationBody): Promise<{ id: number }>;
  updateOrganization(id: number, patch: Partial<OrganizationBody>): Promise<unknown>;
  /**
   * Ids of the organizations updated at or after `updatedSince` (epoch ms) whose custom field equals
   * one of `values`, by listing: a create must be found the moment it exists, and whether search lags behind
   * writes is unverified (decision 29).
   */
  listOrganizationIdsByField(fieldKey: string, values: readonly string[], updatedSince: number): Promise<number[]>;
  /** Deletes an organization (Pipedrive keeps it 30 days); only for strays the connector itself just made. */
  deleteOrganization(id: number): Promise<unknown>;
  /** Merges organization `id` into `mergeWithId` (which survives). */
  mergeOrganizations(id: number, mergeWithId: number): Promise<unknown>;
  /** A person's current organization (a merge moves persons to the survivor, decision 62). */
  getPerson(id: number): Promise<{ org_id?: number | null | undefined }>;
  /** One organization with the given custom fields (to tell whose a merge's survivor is, decision 64). */
  getOrganization(
    id: number,
    options: { customFieldKeys?: readonly string[] },
  ): Promise<{ custom_fields?: Record<string, unknown> | null | undefined }>;
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
  /** Set by versions before decision 29 while a create was claimed: its outcome is unknown. */
  pendingOwner?: string | undefined;
  createAttemptedAt?: number | undefined;
  strayOrgIds?: ReadonlySet<number> | undefined;
  mergedInto?: string | undefined;
  /**
   * The customer whose organization `orgId` is: a rep merged this customer's organization into it
   * (decision 64). Its fields are that customer's and never written for this one; only this
   * customer's person is kept there.
   */
  orgOwner?: string | undefined;
  /** Why the customer is failed, excluded or held (e.g. "deleted in Pipedrive", decision 62). */
  reason?: string | undefined;
}

/** What a successful push records on the link. */
export interface SyncedLink {
  orgId: number;
  pushed: unknown;
  personId?: number;
  fingerprint: string;
  lastPushedUpdatedTime: string;
  lastPushedUpdatedAtMs: number;
  lastPushedSyncToken: string;
}

/** Another worker got there first: a newer version of the customer was already pushed (the change is stale). */
export class LinkConflict extends Error {
  override readonly name: string = 'LinkConflict';
}

/**
 * Another attempt holds a live create claim, took this attempt's claim over, or already recorded an
 * organization: not stale, only early, so it is retried like a transient failure.
 */
export class CreateClaimConflict extends LinkConflict {
  override readonly name: string = 'CreateClaimConflict';
}

/** The links of customers to their organizations; a lost race throws a `LinkConflict` (or `CreateClaimConflict`). */
export interface LinkRepository {
  getMany(realmId: string, qboIds: readonly string[]): Promise<Map<string, LinkView>>;
  /**
   * The create protocol (decision 29): every step after the claim is fenced by its `claimId` and
   * fails with a `CreateClaimConflict` once another attempt took the claim over.
   */
  claimCreate(realmId: string, qboId: string, now: number, staleAfterMs: number, claimId: string): Promise<LinkView>;
  markCreateSent(realmId: string, qboId: string, claimId: string, now: number): Promise<void>;
  recordOrganization(realmId: string, qboId: string, orgId: number, now: number, claimId: string): Promise<void>;
  releaseClaim(realmId: string, qboId: string, claimId: string, now: number, createNotSent?: boolean): Promise<void>;
  /** Forgets a first create claim whose create was refused (nothing was made), if it is still this attempt's. */
  abandonClaim(realmId: string, qboId: string, claimId: string): Promise<void>;
  /** False when the organization is the customer's own (adopted by the attempt that took over). */
  disownOrganization(realmId: string, qboId: string, orgId: number, now: number): Promise<boolean>;
  forgetStray(realmId: string, qboId: string, orgId: number): Promise<void>;
  /** Fails with a `LinkConflict` when a newer version of the customer was already pushed. */
  markSynced(realmId: string, qboId: string, synced: SyncedLink, now: number): Promise<void>;
  markState(
    realmId: string,
    qboId: string,
    state: 'failed' | 'excluded' | 'review',
    reason: string,
    now: number,
    mergedInto?: string,
  ): Promise<void>;
  /** `orgOwner`: the organization is another customer's (a rep merged this one's into it, decision 64). */
  repoint(realmId: string, qboId: string, orgId: number, now: number, orgOwner?: string): Promise<void>;
  /** `keepPerson`: the person lives on (on another customer's organization) and moves to the new one. */
  forgetOrganization(realmId: string, qboId: string, now: number, keepPerson?: boolean): Promise<void>;
}

export interface AuditRecord {
  realmId: string;
  qboId: string;
  at: number;
  source: 'webhook' | 'cdc' | 'backfill' | 'reconcile' | 'replay';
  action:
    'created' | 'updated' | 'unchanged' | 'stale' | 'excluded' | 'failed' | 'merged' | 'matched' | 'held' | 'found';
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
