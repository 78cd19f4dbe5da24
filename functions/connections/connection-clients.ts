import { BudgetGovernor } from '../pipedrive/budget-governor';
import { PipedriveClient } from '../pipedrive/client';
import type { PipedriveOAuthConfig } from '../pipedrive/oauth-client';
import { QBO_RATE_LIMITS, QuickBooksClient } from '../quickbooks/client';
import type { QuickBooksOAuthConfig } from '../quickbooks/oauth-client';
import { BudgetLedger } from '../store/budget-ledger';
import { type Connection, ConnectionStore } from '../store/connections';
import { LeaseStore } from '../store/lease-store';
import { PipedriveBlockStore } from '../store/pipedrive-block-store';
import type { Table } from '../store/table';
import type { TokenCipher } from '../store/token-cipher';
import { NeedsReauthError } from './token-lifecycle';
import { TokenLifecycles } from './token-lifecycles';
import { TokenStore } from '../store/token-store';
import type { FieldKeys } from '../sync/pipedrive-body';
import { CUSTOM_FIELDS, type DeclaredField } from '../sync/pipedrive-fields';
import { QboCallLimiter } from '../store/qbo-call-limiter';
import { bareIdOwner } from '../sync/quickbooks-identity';
import { TransientError } from '../shared/errors';
import { type QboCallGateOptions, SharedQboCallGate } from './qbo-call-gate';
import type { Log } from '../shared/log';

export interface ConnectionClientsConfig {
  qboApiBaseUrl: string;
  qboOAuth: QuickBooksOAuthConfig;
  pipedriveOAuth: PipedriveOAuthConfig | undefined;
  /** Hosts Pipedrive calls may go to besides `*.pipedrive.com` (the local sandbox); empty in production. */
  pipedriveAllowHosts: readonly string[];
  /** Where API-token v1 calls go, when not `https://api.pipedrive.com` (the local stack's sandbox; decision 45). */
  pipedriveApiTokenHost?: string;
  budgetShare: number;
  /** How long Pipedrive's Cloudflare 403 stops every call to the company (default 1 h, decision 32). */
  pipedriveBlockMs?: number;
  timeoutMs: number;
  /** QBO 429s waited out inside the call (the scheduled functions); the worker leaves them to the queue. */
  qboRateLimitedRetries?: { attempts: number; sleep: (ms: number) => Promise<void> };
  /** Every QBO call passes the company's limiter shared through DynamoDB (decision 33); off when absent. */
  qboSharedLimiter?: Omit<QboCallGateOptions, 'now'>;
  /** Counts refreshes done on the way (an access token that expired between upkeep runs). */
  onTokenRefreshed?: (provider: 'quickbooks' | 'pipedrive') => void;
}

export interface ConnectionClients {
  connection: Connection;
  qbo: QuickBooksClient;
  pipedrive: PipedriveClient;
  fields: FieldKeys;
  /** Whether this realm owns the bare QuickBooks IDs of its Pipedrive company (decision 35). */
  ownsBareIds: boolean;
}

/**
 * Builds, once per connection and container, the QBO and Pipedrive clients with their token
 * lifecycles and the budget governor, and makes sure the custom fields exist.
 */
export class ConnectionClientFactory {
  private readonly cache = new Map<string, Promise<ConnectionClients>>();
  private readonly connections: ConnectionStore;
  private readonly lifecycles: TokenLifecycles;
  private readonly leases: LeaseStore;
  private readonly ledger: BudgetLedger;
  private readonly blocks: PipedriveBlockStore;
  private readonly qboLimiter: QboCallLimiter;

  constructor(
    table: Table,
    cipher: TokenCipher,
    private readonly config: ConnectionClientsConfig,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {
    this.connections = new ConnectionStore(table);
    this.lifecycles = new TokenLifecycles({
      tokens: new TokenStore(table),
      connections: this.connections,
      cipher,
      qboOAuth: config.qboOAuth,
      pipedriveOAuth: config.pipedriveOAuth,
      now,
      log,
      ...(config.onTokenRefreshed ? { onRefreshed: config.onTokenRefreshed } : {}),
    });
    this.leases = new LeaseStore(table);
    this.ledger = new BudgetLedger(table);
    this.blocks = new PipedriveBlockStore(table);
    this.qboLimiter = new QboCallLimiter(table);
  }

  /** The connection's clients; a NeedsReauthError when it cannot be used until someone reconnects it. */
  async forRealm(realmId: string): Promise<ConnectionClients> {
    const connection = await this.connections.get(realmId);
    if (!connection)
      throw new NeedsReauthError(`no connection for realm ${realmId}`, { system: 'quickbooks', code: 'not_connected' });
    if (connection.status !== 'active')
      throw new NeedsReauthError(`connection ${realmId} is ${connection.status}`, {
        system: 'quickbooks',
        code: connection.status,
      });
    if (!connection.pipedrive)
      throw new NeedsReauthError(`connection ${realmId} has no Pipedrive company yet`, {
        system: 'pipedrive',
        code: 'not_connected',
      });
    // One build per connection and version at a time: concurrent batches in this container share it.
    const key = `${realmId}@${connection.updatedAt}`;
    let clients = this.cache.get(key);
    if (!clients) {
      clients = this.build(connection, connection.pipedrive);
      this.cache.set(key, clients);
      clients.catch(() => this.cache.delete(key));
    }
    return clients;
  }

  /**
   * Only the connection's Pipedrive client, with its budget governor, and no custom-field check: what
   * registering or removing its webhook needs (decision 63). Undefined without a Pipedrive company.
   */
  async pipedriveOnly(realmId: string): Promise<PipedriveClient | undefined> {
    const connection = await this.connections.get(realmId);
    return connection?.pipedrive ? this.pipedriveClient(realmId, connection.pipedrive) : undefined;
  }

  /** Only the QBO client (the CDC poll and reconcile read QBO and write to the queue). */
  async quickbooks(realmId: string): Promise<QuickBooksClient> {
    const connection = await this.connections.get(realmId);
    if (connection?.status !== 'active')
      throw new NeedsReauthError(`connection ${realmId} is not active`, { system: 'quickbooks' });
    return this.quickbooksClient(realmId);
  }

  private quickbooksClient(realmId: string): QuickBooksClient {
    const tokens = this.lifecycles.quickbooks(realmId);
    return new QuickBooksClient(
      {
        apiBaseUrl: this.config.qboApiBaseUrl,
        realmId,
        timeoutMs: this.config.timeoutMs,
        rateLimits: QBO_RATE_LIMITS,
        ...(this.config.qboSharedLimiter
          ? {
              gate: new SharedQboCallGate(this.qboLimiter, realmId, { ...this.config.qboSharedLimiter, now: this.now }),
            }
          : {}),
        ...(this.config.qboRateLimitedRetries ? { rateLimitedRetries: this.config.qboRateLimitedRetries } : {}),
      },
      tokens,
      fetch,
      this.now,
    );
  }

  /**
   * Whether the bare QuickBooks IDs in the connection's Pipedrive company are this realm's: they are
   * the first connected realm's, written while it was alone (decision 35).
   */
  async ownsBareIds(connection: Connection): Promise<boolean> {
    const companyId = connection.pipedrive?.companyId;
    if (companyId === undefined) return false;
    return bareIdOwner(await this.connections.list(), companyId) === connection.realmId;
  }

  /**
   * Makes sure the organization fields a mapping document declares exist, as on first use (under the
   * company's fields lease), and stores their keys: a mapping apply (decision 61). Returns the tokens spent.
   */
  async ensureDeclaredFields(clients: ConnectionClients, definitions: readonly DeclaredField[]): Promise<number> {
    const companyId = clients.connection.pipedrive?.companyId;
    if (companyId === undefined) return 0;
    const before = clients.pipedrive.tokensSpent;
    await this.ensureFields(clients.connection, companyId, clients.pipedrive, definitions);
    return clients.pipedrive.tokensSpent - before;
  }

  /** Only the Pipedrive client, without touching custom fields (`ml-connector ping` reads, never writes). */
  async pipedrive(realmId: string): Promise<{ connection: Connection; pipedrive: PipedriveClient }> {
    const connection = await this.connections.get(realmId);
    if (!connection?.pipedrive)
      throw new NeedsReauthError(`connection ${realmId} has no Pipedrive company yet`, {
        system: 'pipedrive',
        code: 'not_connected',
      });
    return { connection, pipedrive: await this.pipedriveClient(connection.realmId, connection.pipedrive) };
  }

  private async build(
    connection: Connection,
    pipedriveSettings: NonNullable<Connection['pipedrive']>,
  ): Promise<ConnectionClients> {
    const qbo = this.quickbooksClient(connection.realmId);
    const pipedrive = await this.pipedriveClient(connection.realmId, pipedriveSettings);
    const fields = await this.ensureFields(connection, pipedriveSettings.companyId, pipedrive);
    return { connection, qbo, pipedrive, fields, ownsBareIds: await this.ownsBareIds(connection) };
  }

  private async pipedriveClient(
    realmId: string,
    pipedriveSettings: NonNullable<Connection['pipedrive']>,
  ): Promise<PipedriveClient> {
    const { config } = this;
    const pipedriveTokens = this.lifecycles.pipedrive(realmId, pipedriveSettings.apiDomain);
    const governor = new BudgetGovernor(
      {
        companyId: pipedriveSettings.companyId,
        realmId,
        plan: pipedriveSettings.plan,
        seats: pipedriveSettings.seats,
        auth: pipedriveSettings.auth,
        budgetShare: config.budgetShare,
        ...(config.pipedriveBlockMs !== undefined ? { hardStopMs: config.pipedriveBlockMs } : {}),
      },
      // The block is kept per Pipedrive company in DynamoDB: clients rebuilt after a reconnect, and other containers, honour it.
      { ledger: this.ledger, blocks: this.blocks, now: this.now, log: this.log },
    );
    const auth =
      pipedriveSettings.auth === 'api-token'
        ? ({ kind: 'api-token', apiToken: await pipedriveTokens.accessToken() } as const)
        : ({ kind: 'oauth', tokens: pipedriveTokens } as const);
    return new PipedriveClient(
      {
        apiDomain: pipedriveSettings.apiDomain,
        allowHosts: config.pipedriveAllowHosts,
        timeoutMs: config.timeoutMs,
        ...(config.pipedriveBlockMs !== undefined ? { hardStopMs: config.pipedriveBlockMs } : {}),
        ...(config.pipedriveApiTokenHost !== undefined ? { apiTokenHost: config.pipedriveApiTokenHost } : {}),
      },
      auth,
      governor,
    );
  }

  /**
   * Creates the custom fields on first use, under a lease per Pipedrive company (decision 36): two
   * realms connecting to one company at the same moment would otherwise both find no field and both
   * create one. The later one lists the fields after the lease and adopts them by name.
   */
  private async ensureFields(
    connection: Connection,
    companyId: string,
    pipedrive: PipedriveClient,
    definitions: readonly DeclaredField[] = CUSTOM_FIELDS,
  ): Promise<FieldKeys> {
    const stored = { fieldKeys: connection.fieldKeys, fieldOptions: connection.fieldOptions };
    const complete = definitions.every(
      (field) =>
        connection.fieldKeys[field.id] !== undefined &&
        (field.options === undefined || connection.fieldOptions[field.id] !== undefined),
    );
    if (complete) return stored;
    const owner = `fields-${Math.random().toString(36).slice(2)}`;
    const lease = `pipedrive#${companyId}`;
    if (!(await this.leases.acquire('fields', lease, owner, this.now(), 60_000))) {
      throw new TransientError('custom fields are being created by another worker', {
        system: 'pipedrive',
        code: 'fields_pending',
      });
    }
    try {
      const ensured = await pipedrive.ensureCustomFields(definitions, stored);
      await this.connections.setFields(connection.realmId, ensured.fieldKeys, ensured.fieldOptions, this.now());
      return { fieldKeys: ensured.fieldKeys, fieldOptions: ensured.fieldOptions };
    } finally {
      await this.leases.release('fields', lease, owner);
    }
  }
}
