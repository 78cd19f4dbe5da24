import { isConnectorError } from '../shared/errors';
import { type Log, silentLog } from '../shared/log';
import { DEFAULT_MAPPING } from './default-mapping';
import type { MappingOptions } from './mapping';
import type { MappingDocument } from './mapping-document';
import type { FieldKeys } from './pipedrive-body';
import type { PipedriveRules } from './pipedrive-rules';
import type { AuditRecord, AuditTrail, LinkRepository, PipedriveWriter, QuickBooksReader } from './ports';
import type { MessageQueue, SyncMessage } from './sync-message';

export interface SyncOptions extends MappingOptions {
  /** What happens to the losing organization of a QBO merge: merged into the survivor's in Pipedrive, or flagged "Merged". */
  mergeRule: 'merge' | 'flag';
  /**
   * A create claim older than this may be taken over (the worker that made it is presumably gone).
   * Liveness only: an owner that is alive after all is fenced out (decision 29).
   */
  pendingStaleAfterMs: number;
  /** The connection's mapping document (decision 57); the default one when absent. */
  mapping?: MappingDocument;
  /** What is done about a rep's deletions, merges and edits (decision 62); the safe defaults when absent. */
  pipedriveRules?: PipedriveRules;
}

export interface SyncDependencies {
  qbo: QuickBooksReader;
  pipedrive: PipedriveWriter;
  links: LinkRepository;
  audit: AuditTrail;
  /** The queue the message came from: invoice and payment events become customer work on it. */
  requeue: MessageQueue;
  fields: FieldKeys;
  /** Whether this realm owns the bare QuickBooks IDs in the Pipedrive company (decision 35). */
  ownsBareIds: boolean;
  now: () => number;
  log?: Log;
}

export type SyncAction = AuditRecord['action'] | 'requeued' | 'ignored';

export interface SyncResult {
  action: SyncAction;
  qboId: string;
  tokens: number;
  /** QBO LastUpdatedTime → Pipedrive write, when something was written. */
  lagMs?: number;
}

/** What one sync attempt audits: the audit record without what the context fills in. */
export interface SyncOutcome {
  message: SyncMessage;
  qboId: string;
  action: AuditRecord['action'];
  tokens: number;
  orgId?: number;
  personId?: number;
  diff?: Record<string, [unknown, unknown]>;
  qboUpdatedTime?: string;
  error?: { kind: string; message: string };
  note?: string;
  lagMs?: number;
}

/** A Pipedrive record that is not there (any more): 404 or 410. */
export function isMissing(error: unknown): boolean {
  return isConnectorError(error) && (error.status === 404 || error.status === 410);
}

/**
 * What the parts of the sync use case share for one connection: its realm, its dependencies and
 * options, and the audit of every outcome.
 */
export class SyncContext {
  readonly log: Log;

  constructor(
    readonly realmId: string,
    readonly deps: SyncDependencies,
    readonly options: SyncOptions,
  ) {
    this.log = deps.log ?? silentLog;
  }

  /** The connection's mapping document (decision 57). */
  get mapping(): MappingDocument {
    return this.options.mapping ?? DEFAULT_MAPPING;
  }

  async record(outcome: SyncOutcome): Promise<SyncResult> {
    const { message, tokens, lagMs, ...rest } = outcome;
    await this.deps.audit.append({
      realmId: this.realmId,
      at: this.deps.now(),
      source: message.source,
      eventId: message.eventId,
      pipedriveTokens: tokens,
      ...rest,
    });
    return { action: outcome.action, qboId: outcome.qboId, tokens, ...(lagMs !== undefined ? { lagMs } : {}) };
  }

  /** An outcome that must not be retried: the link is marked failed and the attempt audited. */
  async fail(message: SyncMessage, qboId: string, reason: string, spent: () => number): Promise<SyncResult> {
    await this.deps.links.markState(this.realmId, qboId, 'failed', reason, this.deps.now());
    return this.record({
      message,
      qboId,
      action: 'failed',
      tokens: spent(),
      error: { kind: 'permanent', message: reason },
    });
  }

  /** An error the caller retries, audited before it is thrown on. */
  async auditError(message: SyncMessage, qboId: string, error: unknown, tokens: number): Promise<void> {
    const kind = isConnectorError(error) ? error.kind : 'transient';
    const text = error instanceof Error ? error.message : 'unknown error';
    await this.record({ message, qboId, action: 'failed', tokens, error: { kind, message: `${text} (will retry)` } });
  }

  /** Sets the organization's QuickBooks status field, when the company has it (gone already is fine). */
  async flagStatus(orgId: number, status: 'Merged' | 'Inactive'): Promise<void> {
    const key = this.deps.fields.fieldKeys.quickbooksStatus;
    const option = this.deps.fields.fieldOptions.quickbooksStatus?.[status];
    if (key === undefined || option === undefined) return;
    try {
      await this.deps.pipedrive.updateOrganization(orgId, { custom_fields: { [key]: option } });
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
}
