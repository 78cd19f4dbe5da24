import type { TokenLedger } from '../../functions/pipedrive/budget-governor';
import type { CustomerLink } from '../../functions/store/link-store';
import {
  type AuditRecord,
  type AuditTrail,
  CreateClaimConflict,
  LinkConflict,
  type LinkRepository,
  type SyncedLink,
} from '../../functions/sync/ports';
import type { OpenInvoiceSnapshot, OpenInvoiceSnapshots } from '../../functions/sync/open-invoice-snapshots';

/**
 * In-memory twins of LinkStore, AuditLog, BudgetLedger and the open-invoice snapshots, with the same conditions, for the
 * 10,000-customer backfill: DynamoDB Local costs most of that run's CPU, and no figure the
 * benchmark reports (tokens, calls, 429s, sandbox time) depends on where the links are kept.
 */
export class MemoryLinks implements LinkRepository {
  private readonly links = new Map<string, CustomerLink>();

  getMany(realmId: string, qboIds: readonly string[]): Promise<Map<string, CustomerLink>> {
    const out = new Map<string, CustomerLink>();
    for (const id of qboIds) {
      const link = this.links.get(key(realmId, id));
      if (link) out.set(id, { ...link });
    }
    return Promise.resolve(out);
  }

  claimCreate(
    realmId: string,
    qboId: string,
    now: number,
    staleAfterMs: number,
    claimId: string,
  ): Promise<CustomerLink> {
    const current = this.links.get(key(realmId, qboId));
    if (current?.orgId !== undefined || (current?.pendingSince ?? -Infinity) >= now - staleAfterMs)
      return conflict(qboId);
    const next = this.put(realmId, qboId, now, { state: 'pending', pendingSince: now, claimId });
    return Promise.resolve({ ...next });
  }

  markCreateSent(realmId: string, qboId: string, claimId: string, now: number): Promise<void> {
    const current = this.links.get(key(realmId, qboId));
    if (current?.claimId !== claimId || current.orgId !== undefined) return conflict(qboId);
    this.put(realmId, qboId, now, { createAttemptedAt: current.createAttemptedAt ?? now });
    return Promise.resolve();
  }

  recordOrganization(realmId: string, qboId: string, orgId: number, now: number, claimId: string): Promise<void> {
    const current = this.links.get(key(realmId, qboId));
    if (current?.claimId !== claimId || current.orgId !== undefined || current.strayOrgIds?.has(orgId))
      return conflict(qboId);
    this.put(realmId, qboId, now, { orgId, createAttemptedAt: undefined, pendingOwner: undefined });
    return Promise.resolve();
  }

  releaseClaim(realmId: string, qboId: string, claimId: string, now: number, createNotSent = false): Promise<void> {
    if (this.links.get(key(realmId, qboId))?.claimId === claimId)
      this.put(realmId, qboId, now, {
        pendingSince: undefined,
        claimId: undefined,
        ...(createNotSent ? { createAttemptedAt: undefined } : {}),
      });
    return Promise.resolve();
  }

  abandonClaim(realmId: string, qboId: string, claimId: string): Promise<void> {
    const current = this.links.get(key(realmId, qboId));
    if (current?.claimId === claimId && current.orgId === undefined) this.links.delete(key(realmId, qboId));
    return Promise.resolve();
  }

  disownOrganization(realmId: string, qboId: string, orgId: number, now: number): Promise<boolean> {
    const current = this.links.get(key(realmId, qboId));
    if (!current || current.orgId === orgId) return Promise.resolve(false);
    this.put(realmId, qboId, now, { strayOrgIds: new Set([...(current.strayOrgIds ?? []), orgId]) });
    return Promise.resolve(true);
  }

  forgetStray(realmId: string, qboId: string, orgId: number): Promise<void> {
    const current = this.links.get(key(realmId, qboId));
    const strays = new Set(current?.strayOrgIds);
    strays.delete(orgId);
    if (current) this.links.set(key(realmId, qboId), { ...current, strayOrgIds: strays.size > 0 ? strays : undefined });
    return Promise.resolve();
  }

  markSynced(realmId: string, qboId: string, synced: SyncedLink, now: number): Promise<void> {
    const current = this.links.get(key(realmId, qboId));
    const pushedAt = current?.lastPushedUpdatedAtMs;
    if (pushedAt !== undefined && pushedAt > synced.lastPushedUpdatedAtMs) {
      return Promise.reject(new LinkConflict(`a newer version of customer ${qboId} was already pushed`));
    }
    const { personId, ...rest } = synced;
    this.put(realmId, qboId, now, {
      ...rest,
      ...(personId !== undefined ? { personId } : {}),
      state: 'synced',
      pendingSince: undefined,
      pendingOwner: undefined,
      claimId: undefined,
      reason: undefined,
    });
    return Promise.resolve();
  }

  repoint(realmId: string, qboId: string, orgId: number, now: number): Promise<void> {
    const state = this.links.get(key(realmId, qboId))?.state ?? 'pending';
    this.put(realmId, qboId, now, { orgId, state, fingerprint: undefined, pushed: undefined });
    return Promise.resolve();
  }

  forgetOrganization(realmId: string, qboId: string, now: number): Promise<void> {
    this.put(realmId, qboId, now, {
      orgId: undefined,
      personId: undefined,
      fingerprint: undefined,
      pushed: undefined,
      pendingSince: undefined,
    });
    return Promise.resolve();
  }

  markState(
    realmId: string,
    qboId: string,
    state: 'failed' | 'excluded' | 'review',
    reason: string,
    now: number,
    mergedInto?: string,
  ): Promise<void> {
    this.put(realmId, qboId, now, {
      state,
      reason: reason.slice(0, 1000),
      pendingSince: undefined,
      ...(mergedInto !== undefined ? { mergedInto } : {}),
    });
    return Promise.resolve();
  }

  private put(realmId: string, qboId: string, now: number, changes: Partial<CustomerLink>): CustomerLink {
    const current = this.links.get(key(realmId, qboId));
    const next: CustomerLink = {
      state: 'pending',
      ...current,
      ...changes,
      realmId,
      qboId,
      updatedAt: now,
      version: (current?.version ?? 0) + 1,
    };
    this.links.set(key(realmId, qboId), next);
    return next;
  }
}

function conflict(qboId: string): Promise<never> {
  return Promise.reject(new CreateClaimConflict(`customer ${qboId} is being created by another worker`));
}

/** Appends only; the backfill never reads the audit trail. */
export class MemoryAudit implements AuditTrail {
  entries = 0;

  append(_entry: AuditRecord): Promise<void> {
    this.entries++;
    return Promise.resolve();
  }
}

/** Open-invoice snapshots by customer (decision 66): unconditional writes, as the store's. */
export class MemorySnapshots implements OpenInvoiceSnapshots {
  private readonly stored = new Map<string, OpenInvoiceSnapshot>();

  getMany(realmId: string, qboIds: readonly string[]): Promise<Map<string, OpenInvoiceSnapshot>> {
    const out = new Map<string, OpenInvoiceSnapshot>();
    for (const id of qboIds) {
      const snapshot = this.stored.get(key(realmId, id));
      if (snapshot) out.set(id, snapshot);
    }
    return Promise.resolve(out);
  }

  putMany(realmId: string, snapshots: ReadonlyMap<string, OpenInvoiceSnapshot>): Promise<void> {
    for (const [id, snapshot] of snapshots) this.stored.set(key(realmId, id), snapshot);
    return Promise.resolve();
  }
}

/** The daily ledger's conditional add. */
export class MemoryLedger implements TokenLedger {
  private readonly spent = new Map<string, number>();

  reserve(companyId: string, day: string, tokens: number, limit: number): Promise<boolean> {
    const id = `${companyId}#${day}`;
    const total = (this.spent.get(id) ?? 0) + tokens;
    if (total > limit) return Promise.resolve(false);
    this.spent.set(id, total);
    return Promise.resolve(true);
  }
}

function key(realmId: string, qboId: string): string {
  return `${realmId}#${qboId}`;
}
