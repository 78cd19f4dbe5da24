import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { startCounting } from './link-counts';
import { CONNECTION_LISTING, keys, LISTING_INDEX } from './table-schema';
import { isConditionFailure, queryPages, type Table } from './table';

export const ConnectionStatus = z.enum(['active', 'needs_reauth', 'paused']);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

export const PipedrivePlan = z.enum(['lite', 'growth', 'premium', 'ultimate']);
export type PipedrivePlan = z.infer<typeof PipedrivePlan>;

export const Connection = z.object({
  realmId: z.string(),
  status: ConnectionStatus,
  companyName: z.optional(z.string()),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** Why the connection needs attention (never a token or a response body). */
  statusReason: z.optional(z.string()),
  pipedrive: z.optional(
    z.object({
      companyId: z.string(),
      apiDomain: z.string(),
      plan: PipedrivePlan,
      seats: z.int().check(z.positive()),
      auth: z.enum(['oauth', 'api-token']),
      /** Pipedrive's numeric company id (`users/me`), which its app-uninstall notice names (decision 46). */
      companyNumber: z.optional(z.int()),
    }),
  ),
  /**
   * The Pipedrive organization webhook registered at connect (decision 63): its id, to remove it, and
   * what verifies its HTTP Basic auth (a salted hash; the password itself is never stored).
   */
  pipedriveWebhook: z.optional(
    z.object({
      id: z.int(),
      user: z.string(),
      salt: z.string(),
      hash: z.string(),
    }),
  ),
  /** Custom-field keys created in Pipedrive, by our field name. */
  fieldKeys: z._default(z.record(z.string(), z.string()), {}),
  /** Option ids of enum custom fields, by field name then option label. */
  fieldOptions: z._default(z.record(z.string(), z.record(z.string(), z.number())), {}),
});
export type Connection = z.infer<typeof Connection>;

/** Connections (one per QBO realm): status, the Pipedrive company they write into, custom-field keys. */
export class ConnectionStore {
  constructor(private readonly table: Table) {}

  async get(realmId: string): Promise<Connection | undefined> {
    const result = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.connection(realmId), ConsistentRead: true }),
    );
    return result.Item ? Connection.parse(result.Item) : undefined;
  }

  /** Creates the connection unless it exists; returns the stored one either way. */
  async create(realmId: string, now: number, companyName?: string): Promise<Connection> {
    const connection: Connection = {
      realmId,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      fieldKeys: {},
      fieldOptions: {},
      ...(companyName !== undefined ? { companyName } : {}),
    };
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.connection(realmId),
            [LISTING_INDEX.partition]: CONNECTION_LISTING,
            [LISTING_INDEX.sort]: realmId,
            ...connection,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      await startCounting(this.table, realmId, now);
      return connection;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(realmId);
      if (!existing) throw error;
      return existing;
    }
  }

  async setStatus(realmId: string, status: ConnectionStatus, now: number, reason?: string): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.connection(realmId),
        UpdateExpression:
          reason === undefined
            ? 'SET #status = :status, updatedAt = :now REMOVE statusReason'
            : 'SET #status = :status, updatedAt = :now, statusReason = :reason',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':now': now,
          ...(reason === undefined ? {} : { ':reason': reason }),
        },
      }),
    );
  }

  async setPipedrive(realmId: string, pipedrive: NonNullable<Connection['pipedrive']>, now: number): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.connection(realmId),
        UpdateExpression: 'SET pipedrive = :pipedrive, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':pipedrive': pipedrive, ':now': now },
      }),
    );
  }

  /** Records the registered webhook (decision 63), or forgets it (`undefined`): its deliveries then get 401. */
  async setPipedriveWebhook(
    realmId: string,
    webhook: NonNullable<Connection['pipedriveWebhook']> | undefined,
    now: number,
  ): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.connection(realmId),
        UpdateExpression: webhook
          ? 'SET pipedriveWebhook = :webhook, updatedAt = :now'
          : 'SET updatedAt = :now REMOVE pipedriveWebhook',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: webhook ? { ':webhook': webhook, ':now': now } : { ':now': now },
      }),
    );
  }

  /** Records custom-field keys and enum option ids (merged into what is stored). */
  async setFields(
    realmId: string,
    fieldKeys: Record<string, string>,
    fieldOptions: Record<string, Record<string, number>>,
    now: number,
  ): Promise<void> {
    const current = await this.get(realmId);
    if (!current) throw new Error(`connection ${realmId} does not exist`);
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.connection(realmId),
        UpdateExpression: 'SET fieldKeys = :keys, fieldOptions = :options, updatedAt = :now',
        ExpressionAttributeValues: {
          ':keys': { ...current.fieldKeys, ...fieldKeys },
          ':options': { ...current.fieldOptions, ...fieldOptions },
          ':now': now,
        },
      }),
    );
  }

  /** Every connection, through the listing index (no table scan). */
  async list(): Promise<Connection[]> {
    const out: Connection[] = [];
    for await (const item of this.listing()) out.push(Connection.parse(item));
    return out;
  }

  /**
   * The realm ids of every connection, and nothing else: the webhook's role may read only these
   * attributes (REALM_REGISTRY_ATTRIBUTES, decision 41), so personal data stays out of its reach.
   */
  async realmIds(): Promise<string[]> {
    const out: string[] = [];
    for await (const item of this.listing('realmId')) out.push(z.object({ realmId: z.string() }).parse(item).realmId);
    return out;
  }

  /** The connection items of the listing index, page by page; only `projection` of each when given. */
  private async *listing(projection?: string): AsyncGenerator<Record<string, unknown>> {
    const pages = queryPages(this.table, {
      IndexName: LISTING_INDEX.name,
      KeyConditionExpression: '#pk = :pk',
      ...(projection !== undefined ? { ProjectionExpression: projection } : {}),
      ExpressionAttributeNames: { '#pk': LISTING_INDEX.partition },
      ExpressionAttributeValues: { ':pk': CONNECTION_LISTING },
    });
    for await (const page of pages) yield* page;
  }

  /** Whether a connection exists, reading only its realm id (as realmIds). */
  async exists(realmId: string): Promise<boolean> {
    const result = await this.table.client.send(
      new GetCommand({
        TableName: this.table.name,
        Key: keys.connection(realmId),
        ProjectionExpression: 'realmId',
        ConsistentRead: true,
      }),
    );
    return result.Item !== undefined;
  }
}
