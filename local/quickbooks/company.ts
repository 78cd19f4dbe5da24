import type { SandboxClock } from '../shared/clock';
import { clone, type JsonObject, objectField, stringField } from './json';
import { formatLocal, parseQboTime } from './time';

export type Operation = 'Create' | 'Update' | 'Delete' | 'Merge' | 'Void';

/** A change QBO would announce by webhook. */
export interface ChangeEvent {
  realmId: string;
  entity: string;
  id: string;
  operation: Operation;
  /** The merged-away customer of a Merge. */
  deletedId?: string;
  /** Sandbox epoch ms of the change. */
  at: number;
}

export interface StoredEntity {
  record: JsonObject;
  /** Epoch ms of MetaData.LastUpdatedTime, for CDC. */
  updatedAt: number;
  /** Deleted entities only show up in CDC, as `status: "Deleted"`. */
  deleted: boolean;
}

export interface CompanyOptions {
  realmId: string;
  companyName: string;
  /** The company's UTC offset in minutes; QBO writes MetaData times in it. */
  utcOffsetMinutes: number;
  country: string;
}

/**
 * One QBO company (realm): its entities by type and id, with QBO's bookkeeping: ids,
 * SyncToken incremented on every change, MetaData times in the company's offset.
 */
export class Company {
  readonly realmId: string;
  readonly companyName: string;
  readonly utcOffsetMinutes: number;
  readonly country: string;
  private readonly tables = new Map<string, Map<string, StoredEntity>>();
  private lastId = 0;
  private silent = false;

  constructor(
    options: CompanyOptions,
    private readonly clock: SandboxClock,
    private readonly announce: (event: ChangeEvent) => void,
  ) {
    this.realmId = options.realmId;
    this.companyName = options.companyName;
    this.utcOffsetMinutes = options.utcOffsetMinutes;
    this.country = options.country;
  }

  /** Runs `work` without announcing its changes (seeding a company's history). */
  quietly<T>(work: () => T): T {
    const before = this.silent;
    this.silent = true;
    try {
      return work();
    } finally {
      this.silent = before;
    }
  }

  /** Moves a record's MetaData into the past (seeded history). */
  backdate(entity: string, id: string, createdAt: number | undefined, updatedAt: number): void {
    const stored = this.get(entity, id);
    if (!stored) throw new Error(`${entity} ${id} does not exist`);
    stored.updatedAt = updatedAt;
    if (stored.deleted) return;
    const created = createdAt === undefined ? metaTimeField(stored.record, 'CreateTime') : this.metaTime(createdAt);
    stored.record.MetaData = {
      CreateTime: created ?? this.metaTime(updatedAt),
      LastUpdatedTime: this.metaTime(updatedAt),
    };
  }

  private onChange(event: ChangeEvent): void {
    if (!this.silent) this.announce(event);
  }

  /** `time` of a response: now, to the millisecond, in the company's offset. */
  responseTime(): string {
    return formatLocal(this.clock.now(), this.utcOffsetMinutes, true);
  }

  metaTime(epochMs: number = this.clock.now()): string {
    return formatLocal(epochMs, this.utcOffsetMinutes, false);
  }

  now(): number {
    return this.clock.now();
  }

  newId(): string {
    this.lastId += 1;
    return String(this.lastId);
  }

  /** Every stored entity of a type, deleted ones included. */
  all(entity: string): StoredEntity[] {
    return [...(this.tables.get(entity)?.values() ?? [])];
  }

  /** Entity type names that hold at least one record. */
  entityTypes(): string[] {
    return [...this.tables.keys()];
  }

  get(entity: string, id: string): StoredEntity | undefined {
    return this.tables.get(entity)?.get(id);
  }

  /** The live (not deleted) record, as a copy. */
  read(entity: string, id: string): JsonObject | undefined {
    const stored = this.get(entity, id);
    return stored && !stored.deleted ? clone(stored.record) : undefined;
  }

  /** Stores a record exactly as given (seeding from recorded payloads); announces nothing. */
  putVerbatim(entity: string, record: JsonObject, deleted = false): void {
    const id = stringField(record, 'Id');
    if (id === undefined) throw new Error(`${entity} record has no Id`);
    const lastUpdated = metaTimeField(record, 'LastUpdatedTime');
    const updatedAt = lastUpdated ? parseQboTime(lastUpdated) : this.clock.now();
    this.table(entity).set(id, { record: clone(record), updatedAt, deleted });
    const numeric = Number(id);
    if (Number.isInteger(numeric) && numeric > this.lastId) this.lastId = numeric;
  }

  /** Creates a record with QBO's bookkeeping fields and announces it. */
  create(entity: string, fields: JsonObject, options: { silent?: boolean; at?: number } = {}): JsonObject {
    const at = options.at ?? this.clock.now();
    const id = this.newId();
    const time = this.metaTime(at);
    const record: JsonObject = {
      ...fields,
      domain: 'QBO',
      sparse: false,
      Id: id,
      SyncToken: '0',
      MetaData: { CreateTime: time, LastUpdatedTime: time },
    };
    this.table(entity).set(id, { record, updatedAt: at, deleted: false });
    if (!options.silent) this.onChange({ realmId: this.realmId, entity, id, operation: 'Create', at });
    return clone(record);
  }

  /**
   * Applies `mutate` to a live record, increments SyncToken, stamps LastUpdatedTime and
   * announces the change (unless `touch` is false: a derived-field change QBO may not announce).
   */
  update(
    entity: string,
    id: string,
    mutate: (record: JsonObject) => void,
    options: { operation?: Operation; deletedId?: string; touch?: boolean } = {},
  ): JsonObject {
    const stored = this.get(entity, id);
    if (!stored || stored.deleted) throw new Error(`${entity} ${id} does not exist`);
    mutate(stored.record);
    if (options.touch === false) return clone(stored.record);
    const at = this.clock.now();
    const syncToken = Number(stringField(stored.record, 'SyncToken') ?? '0');
    stored.record.SyncToken = String(syncToken + 1);
    const created = metaTimeField(stored.record, 'CreateTime') ?? this.metaTime(at);
    stored.record.MetaData = { CreateTime: created, LastUpdatedTime: this.metaTime(at) };
    stored.updatedAt = at;
    const event: ChangeEvent = { realmId: this.realmId, entity, id, operation: options.operation ?? 'Update', at };
    if (options.deletedId !== undefined) event.deletedId = options.deletedId;
    this.onChange(event);
    return clone(stored.record);
  }

  /** Deletes a record: it leaves queries and reads, and CDC reports it as Deleted. */
  remove(entity: string, id: string, options: { announce?: boolean } = {}): void {
    const stored = this.get(entity, id);
    if (!stored || stored.deleted) throw new Error(`${entity} ${id} does not exist`);
    const at = this.clock.now();
    stored.deleted = true;
    stored.updatedAt = at;
    stored.record = { domain: 'QBO', status: 'Deleted', Id: id, MetaData: { LastUpdatedTime: this.metaTime(at) } };
    if (options.announce !== false) this.onChange({ realmId: this.realmId, entity, id, operation: 'Delete', at });
  }

  private table(entity: string): Map<string, StoredEntity> {
    let table = this.tables.get(entity);
    if (!table) {
      table = new Map();
      this.tables.set(entity, table);
    }
    return table;
  }
}

function metaTimeField(record: JsonObject, key: 'CreateTime' | 'LastUpdatedTime'): string | undefined {
  const meta = objectField(record, 'MetaData');
  return meta ? stringField(meta, key) : undefined;
}
