import * as z from '../shared/zod-mini';
import { AuthError, PermanentError, RateLimitedError, TransientError } from '../shared/errors';
import { type Fetch, type HttpResponse, parseJson, request } from '../shared/http';
import type { DeclaredField } from '../sync/pipedrive-fields';
import { assertPipedriveApiDomain } from './api-domain';
import { type EnsuredFields, type EnsureOptions, ensureCustomFields, type StoredFields } from './custom-fields';
import {
  FieldCreate,
  IdOnly,
  OrganizationCreate,
  OrganizationPatch,
  PersonCreate,
  PersonPatch,
  PipedriveField,
  PipedriveOrganization,
  PipedrivePerson,
  PipedriveUser,
  SearchHit,
} from './entities';
import { classifyPipedriveResponse } from './faults';
import { API_PREFIX, API_TOKEN_HOST, OPERATIONS, type PipedriveOperation } from './operations';
import type { PipedriveClientConfig } from './client-config';
import { envelope, pipedriveTimestamp, problems } from './wire';
import { organizationWebhookBody, type OrganizationWebhookInput } from './webhook-subscription';

/** Where the client gets its bearer token; refreshing is single-flight across every process (the token lifecycle). */
export interface AccessTokenSource {
  accessToken(): Promise<string>;
  /** Called after a 401 with the token that was refused; returns a token that is not that one. */
  refreshAfterRejection(rejected: string): Promise<string>;
}

/** An API token (`x-api-token` header, never the `?api_token=` query: URLs end up in logs) or OAuth. */
/** The parts of `GET /v1/users/me` the connector reads. */
export const PipedriveCurrentUser = z.looseObject({
  id: z.number(),
  name: z.string(),
  company_id: z.number(),
  company_name: z.string(),
  company_domain: z.string(),
});
export type PipedriveCurrentUser = z.infer<typeof PipedriveCurrentUser>;

export type PipedriveAuth = { kind: 'api-token'; apiToken: string } | { kind: 'oauth'; tokens: AccessTokenSource };

/** What every call passes through before the network: the budget governor. */
export interface RequestGate {
  run(operation: PipedriveOperation, send: () => Promise<HttpResponse>): Promise<HttpResponse>;
}

export type { PipedriveClientConfig } from './client-config';

/** v2 lists take at most 500 per page ([PAG]). */
export const PIPEDRIVE_MAX_PAGE = 500;
/** `custom_fields` on reads takes at most 15 keys ([SPEC2]). */
const CUSTOM_FIELD_SELECTION_LIMIT = 15;

export interface Page<T> {
  items: T[];
  /** null on the last page. */
  nextCursor: string | null;
}

export interface OrganizationListOptions {
  /** Only records updated at or after this time (inclusive): epoch ms or an ISO timestamp. */
  updatedSince?: number | string;
  cursor?: string;
  limit?: number;
  /** Only these custom fields in the answer (at most 15 keys). */
  customFieldKeys?: readonly string[];
}

interface CallOptions {
  params?: Record<string, string | number>;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

/** Burst 429s one call waits out in a row before it gives up (each waits the governor's pause). */
const MAX_BURST_RETRIES = 3;

/** Pipedrive API v2 (and the v1 operations that exist only there) for one company. */
export class PipedriveClient {
  /** Requests sent, for metrics. */
  calls = 0;
  /** Tokens those requests cost by the specs' `x-token-cost` (what the governor reserved), for metrics and audit. */
  tokensSpent = 0;
  private readonly origin: string;
  /** The origin and prefix v1 calls use for this auth type (decision 45). */
  private readonly v1Base: string;
  private readonly pageSize: number;

  constructor(
    private readonly config: PipedriveClientConfig,
    private readonly auth: PipedriveAuth,
    private readonly gate: RequestGate,
    private readonly fetchImpl: Fetch = fetch,
  ) {
    const allowHosts = config.allowHosts ?? [];
    this.origin = assertPipedriveApiDomain(config.apiDomain, { allowHosts });
    if (auth.kind === 'oauth') this.v1Base = `${this.origin}${API_PREFIX.v1OAuth}`;
    else if (config.apiTokenHost !== undefined)
      this.v1Base = `${assertPipedriveApiDomain(config.apiTokenHost, { allowHosts })}${API_PREFIX.v1ApiToken}`;
    else if (new URL(this.origin).hostname.endsWith('.pipedrive.com'))
      this.v1Base = `${API_TOKEN_HOST}${API_PREFIX.v1ApiToken}`;
    else this.v1Base = `${this.origin}${API_PREFIX.v1OAuth}`;
    this.pageSize = Math.min(config.pageSize ?? PIPEDRIVE_MAX_PAGE, PIPEDRIVE_MAX_PAGE);
  }

  async createOrganization(input: OrganizationCreate): Promise<PipedriveOrganization> {
    const body = this.validated(OrganizationCreate, input, 'organization');
    return (await this.call(OPERATIONS.createOrganization, PipedriveOrganization, { body })).data;
  }

  async updateOrganization(id: number, patch: OrganizationPatch): Promise<PipedriveOrganization> {
    const body = this.validated(OrganizationPatch, patch, 'organization patch');
    return (await this.call(OPERATIONS.updateOrganization, PipedriveOrganization, { params: { id }, body })).data;
  }

  async getOrganization(
    id: number,
    options: { customFieldKeys?: readonly string[] } = {},
  ): Promise<PipedriveOrganization> {
    const query = { custom_fields: this.customFieldSelection(options.customFieldKeys) };
    return (await this.call(OPERATIONS.getOrganization, PipedriveOrganization, { params: { id }, query })).data;
  }

  /** One page of organizations in id order (the default keyset order, stable while records change). */
  async listOrganizations(options: OrganizationListOptions = {}): Promise<Page<PipedriveOrganization>> {
    const query = {
      limit: String(Math.min(options.limit ?? this.pageSize, PIPEDRIVE_MAX_PAGE)),
      cursor: options.cursor,
      updated_since: options.updatedSince === undefined ? undefined : pipedriveTimestamp(options.updatedSince),
      custom_fields: this.customFieldSelection(options.customFieldKeys),
    };
    const { data, nextCursor } = await this.call(OPERATIONS.listOrganizations, z.array(PipedriveOrganization), {
      query,
    });
    return { items: data, nextCursor };
  }

  /** Every organization (optionally only those updated since a time), a page at a time. */
  async *organizationPages(
    options: Omit<OrganizationListOptions, 'cursor'> = {},
  ): AsyncGenerator<PipedriveOrganization[]> {
    let cursor: string | undefined;
    do {
      const page = await this.listOrganizations({ ...options, ...(cursor !== undefined ? { cursor } : {}) });
      if (page.items.length > 0) yield page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Every person, a page (≤ 500) at a time: one list instead of a search per customer (backfill matching). */
  async *personPages(): AsyncGenerator<PipedrivePerson[]> {
    let cursor: string | undefined;
    do {
      const query = { limit: String(this.pageSize), cursor };
      const { data, nextCursor } = await this.call(OPERATIONS.listPersons, z.array(PipedrivePerson), { query });
      if (data.length > 0) yield data;
      cursor = nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  async createPerson(input: PersonCreate): Promise<PipedrivePerson> {
    const body = this.validated(PersonCreate, input, 'person');
    return (await this.call(OPERATIONS.createPerson, PipedrivePerson, { body })).data;
  }

  /** Replaces `emails`/`phones` when sent: whether PATCH merges arrays is unverified, so always send the whole list. */
  async updatePerson(id: number, patch: PersonPatch): Promise<PipedrivePerson> {
    const body = this.validated(PersonPatch, patch, 'person patch');
    return (await this.call(OPERATIONS.updatePerson, PipedrivePerson, { params: { id }, body })).data;
  }

  async getPerson(id: number): Promise<PipedrivePerson> {
    return (await this.call(OPERATIONS.getPerson, PipedrivePerson, { params: { id } })).data;
  }

  /**
   * Ids of the organizations whose custom field `fieldKey` equals `value` exactly (`match=exact` is
   * a full, case-sensitive match). Search costs 20 tokens and has its own burst limit, and whether
   * it lags behind writes is unverified: use it for recovery, not as a per-record lookup.
   */
  async findOrganizationIdsByField(fieldKey: string, value: string): Promise<number[]> {
    const ids: number[] = [];
    let cursor: string | undefined;
    do {
      const query = {
        term: value,
        entity_type: 'organization',
        field: fieldKey,
        match: 'exact',
        limit: String(PIPEDRIVE_MAX_PAGE),
        cursor,
      };
      const page = await this.call(OPERATIONS.searchByField, z.array(SearchHit), { query });
      ids.push(...page.data.map((hit) => hit.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return ids;
  }

  /**
   * Ids of the organizations updated at or after `updatedSince` (epoch ms; 0 for all) whose custom
   * field `fieldKey` equals `value`, by listing (10 tokens per 500): unlike search, a list shows a
   * create at once, so a retry after a lost create answer finds what it made (decision 29).
   */
  async listOrganizationIdsByField(
    fieldKey: string,
    values: readonly string[],
    updatedSince: number,
  ): Promise<number[]> {
    const ids: number[] = [];
    const wanted = new Set(values);
    const since = updatedSince > 0 ? { updatedSince } : {};
    for await (const page of this.organizationPages({ ...since, customFieldKeys: [fieldKey] })) {
      for (const org of page) {
        const value = org.custom_fields?.[fieldKey];
        if (typeof value === 'string' && wanted.has(value)) ids.push(org.id);
      }
    }
    return ids;
  }

  /** Soft delete: Pipedrive keeps the organization for 30 days. */
  async deleteOrganization(id: number): Promise<number> {
    return (await this.call(OPERATIONS.deleteOrganization, IdOnly, { params: { id } })).data.id;
  }

  /** v1 merge (no v2 twin): `id` is removed and `mergeWithId` survives, winning conflicts. Returns the survivor's id. */
  async mergeOrganizations(id: number, mergeWithId: number): Promise<number> {
    const body = { merge_with_id: mergeWithId };
    return (await this.call(OPERATIONS.mergeOrganizations, IdOnly, { params: { id }, body })).data.id;
  }

  /** Every organization field, system and custom, across pages. */
  async listOrganizationFields(): Promise<PipedriveField[]> {
    const fields: PipedriveField[] = [];
    let cursor: string | undefined;
    do {
      const query = { limit: String(PIPEDRIVE_MAX_PAGE), cursor };
      const page = await this.call(OPERATIONS.listOrganizationFields, z.array(PipedriveField), { query });
      fields.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return fields;
  }

  /** Who the credential belongs to and which company it writes into (`ml-connector ping`). */
  async currentUser(): Promise<PipedriveCurrentUser> {
    return (await this.call(OPERATIONS.currentUser, PipedriveCurrentUser)).data;
  }
  async listUsers(): Promise<PipedriveUser[]> {
    return (await this.call(OPERATIONS.listUsers, z.array(PipedriveUser))).data;
  }

  async createOrganizationField(input: FieldCreate): Promise<PipedriveField> {
    const body = this.validated(FieldCreate, input, 'field');
    return (await this.call(OPERATIONS.createOrganizationField, PipedriveField, { body })).data;
  }

  /** The custom fields the connector keeps: created when missing, keys returned for the connection to store. */
  ensureCustomFields(
    definitions: readonly DeclaredField[],
    stored: StoredFields,
    options: EnsureOptions = {},
  ): Promise<EnsuredFields> {
    return ensureCustomFields(this, definitions, stored, options);
  }

  private customFieldSelection(keys: readonly string[] | undefined): string | undefined {
    if (keys === undefined || keys.length === 0) return undefined;
    if (keys.length > CUSTOM_FIELD_SELECTION_LIMIT) {
      throw new RangeError(`Pipedrive returns at most ${CUSTOM_FIELD_SELECTION_LIMIT} selected custom fields`);
    }
    return keys.join(',');
  }

  /** Our own request body, checked before it costs tokens; a failure is the record's fault, so permanent. */
  private validated<T>(schema: z.ZodMiniType<T>, input: unknown, what: string): T {
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      throw new PermanentError(`The ${what} is not valid for Pipedrive: ${problems(parsed.error)}`, {
        system: 'pipedrive',
        code: 'invalid_request',
      });
    }
    return parsed.data;
  }

  private url(operation: PipedriveOperation, options: CallOptions): string {
    const path = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`missing path parameter ${name} for ${operation.name}`);
      return encodeURIComponent(String(value));
    });
    const query: string[] = [];
    for (const [key, value] of Object.entries(options.query ?? {})) {
      // Percent-encoding (%20), not form encoding (+), so a term with spaces or '+' survives.
      if (value !== undefined) query.push(`${key}=${encodeURIComponent(value)}`);
    }
    const base = operation.api === 'v1' ? this.v1Base : `${this.origin}${API_PREFIX.v2}`;
    return `${base}${path}${query.length > 0 ? `?${query.join('&')}` : ''}`;
  }

  /** Subscribes a URL to organization events (v2 payloads, Basic auth); returns the webhook's id (decision 63). */
  async createOrganizationWebhook(input: OrganizationWebhookInput): Promise<number> {
    return (await this.call(OPERATIONS.createWebhook, IdOnly, { body: organizationWebhookBody(input) })).data.id;
  }

  async deleteWebhook(id: number): Promise<void> {
    await this.call(OPERATIONS.deleteWebhook, z.optional(z.unknown()), { params: { id } });
  }

  private credential(): Promise<string> {
    return this.auth.kind === 'api-token' ? Promise.resolve(this.auth.apiToken) : this.auth.tokens.accessToken();
  }

  /** One operation through the gate; an OAuth 401 refreshes (single-flight) and retries once, then is transient. */
  private async call<T>(
    operation: PipedriveOperation,
    data: z.ZodMiniType<T>,
    options: CallOptions = {},
  ): Promise<{ data: T; nextCursor: string | null }> {
    const url = this.url(operation, options);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let credential = await this.credential();
    let burstRetries = 0;
    for (let attempt = 0; ; attempt++) {
      const sent = credential;
      const response = await this.gate.run(operation, () => this.send(operation, url, sent, body));
      const error = classifyPipedriveResponse(
        response,
        this.config.hardStopMs !== undefined ? { hardStopMs: this.config.hardStopMs } : {},
      );
      if (!error) return this.read(operation, data, response);
      // A burst 429 refused the request unprocessed and paused the governor for its retry-after: send
      // it again once the pause allows (the gate waits, or throws past its longest wait). Thrown out
      // instead, it would spend one of the message's receives on a rate limit (issue #13).
      if (error instanceof RateLimitedError && error.code === 'burst' && burstRetries < MAX_BURST_RETRIES) {
        burstRetries++;
        continue;
      }
      if (error instanceof AuthError && response.status === 401 && this.auth.kind === 'oauth') {
        if (attempt === 0) {
          credential = await this.auth.tokens.refreshAfterRejection(sent);
          continue;
        }
        // Refused again just after a refresh: the grant is alive (a dead one fails the refresh with invalid_grant),
        // so retry later rather than lock the connection out.
        throw new TransientError('Pipedrive refused a freshly refreshed access token (HTTP 401)', {
          system: 'pipedrive',
          status: 401,
        });
      }
      throw error;
    }
  }

  private send(
    operation: PipedriveOperation,
    url: string,
    credential: string,
    body: string | undefined,
  ): Promise<HttpResponse> {
    this.calls++;
    this.tokensSpent += operation.cost;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.auth.kind === 'api-token') headers['x-api-token'] = credential;
    else headers.authorization = `Bearer ${credential}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return request(this.fetchImpl, 'pipedrive', url, {
      method: operation.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      timeoutMs: this.config.timeoutMs,
    });
  }

  private read<T>(
    operation: PipedriveOperation,
    data: z.ZodMiniType<T>,
    response: HttpResponse,
  ): { data: T; nextCursor: string | null } {
    const parsed = envelope(data).safeParse(parseJson(response.text));
    if (!parsed.success) {
      throw new PermanentError(`Pipedrive ${operation.name} answer is not understood: ${problems(parsed.error)}`, {
        system: 'pipedrive',
        status: response.status,
      });
    }
    return { data: parsed.data.data, nextCursor: parsed.data.additional_data?.next_cursor ?? null };
  }
}
