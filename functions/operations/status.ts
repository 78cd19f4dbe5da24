import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { budgetDay } from '../pipedrive/budget-day';
import { connectorShare, dailyTokenBudget } from '../pipedrive/plans';
import { AuditLog, type AuditEntry } from '../store/audit-log';
import { BudgetLedger } from '../store/budget-ledger';
import { ConnectionStore } from '../store/connections';
import { linkCounts } from '../store/link-counts';
import { ParkingStore } from '../store/parking-store';
import { PipedriveFindingsStore } from '../store/pipedrive-findings-store';
import type { PipedriveFindingsSummary } from '../sync/pipedrive-findings-summary';
import type { Table } from '../store/table';
import { TokenStore } from '../store/token-store';
import type { CustomerCounts } from './customer-counts';
import type { PipedriveSide } from './pipedrive-description';
import { DEFAULT_QBO_MONTHLY_CALL_CAP, type QboCallEstimate, qboCallsOf } from './qbo-call-estimate';

export interface StatusSources {
  table: Table;
  sqs: SQSClient;
  queues: Record<string, string>;
  budgetShare: number;
  /** The CorePlus monthly cap the QBO call projection is held against (config `qboMonthlyCallCap`). */
  qboMonthlyCallCap?: number;
  now: () => number;
}

export interface StatusSnapshot {
  at: string;
  connections: {
    realmId: string;
    companyName: string | undefined;
    status: string;
    statusReason: string | undefined;
    pipedrive: PipedriveSide | undefined;
    /** Work held back while the connection needs re-authorization; released on reconnect. */
    parked: number;
    /** Work waiting for the next Pipedrive budget day (the connector's share of today's is spent). */
    deferredForBudget: number;
    /** Changes QBO throttled, parked until it takes calls again (decision 33). */
    deferredForThrottling: number;
    tokens: { provider: string; accessExpiresInMinutes: number | null; refreshExpiresInDays: number | null }[];
    counts: CustomerCounts;
    /**
     * The Pipedrive company's budget, shared by every connection writing into it (the same figures
     * under each of them), and this realm's part of today's spend (decision 37).
     */
    budget: { companyId: string; spent: number; share: number; realmSpent: number } | undefined;
    /** Metered QBO calls today and this month, and the month's projection against the cap (issue 15). */
    qboCalls: QboCallEstimate;
    /** What the last Pipedrive-side reconcile found, each group with the command that resolves it (decision 64). */
    pipedriveFindings: PipedriveFindingsSummary | undefined;
    recent: AuditEntry[];
  }[];
  /** Each Pipedrive company once, with its budget and every realm's part of today's spend. */
  pipedriveCompanies: {
    companyId: string;
    apiDomain: string;
    spent: number;
    share: number;
    realms: { realmId: string; companyName: string | undefined; spent: number }[];
  }[];
  queues: { name: string; visible: number; inFlight: number }[];
  customer: { realmId: string; qboId: string; timeline: AuditEntry[] } | undefined;
}

/** What `ml-connector status` and the sync-health page show, read from the same table and queues the functions use. */
export async function statusSnapshot(
  sources: StatusSources,
  customer?: { realmId: string; qboId: string },
): Promise<StatusSnapshot> {
  const now = sources.now();
  const tokens = new TokenStore(sources.table);
  const audit = new AuditLog(sources.table, 1);
  const ledger = new BudgetLedger(sources.table);
  const parking = new ParkingStore(sources.table);
  const findings = new PipedriveFindingsStore(sources.table);
  const connections = [];
  const day = budgetDay(now);
  const companies = new Map<string, StatusSnapshot['pipedriveCompanies'][number]>();
  for (const connection of await new ConnectionStore(sources.table).list()) {
    // The per-state counters (decision 59): one read, whatever the number of customers.
    const counts = await linkCounts(sources.table, connection.realmId);
    const tokenHealth = await tokenHealthOf(tokens, connection.realmId, now);
    const pd = connection.pipedrive;
    let budget: StatusSnapshot['connections'][number]['budget'];
    if (pd) {
      const today = await ledger.spent(pd.companyId, day);
      const share = connectorShare(dailyTokenBudget(pd.plan, pd.seats), sources.budgetShare);
      const realmSpent = today.byRealm[connection.realmId] ?? 0;
      budget = { companyId: pd.companyId, spent: today.spent, share, realmSpent };
      const company = companies.get(pd.companyId) ?? {
        companyId: pd.companyId,
        apiDomain: pd.apiDomain,
        spent: today.spent,
        share,
        realms: [],
      };
      company.realms.push({ realmId: connection.realmId, companyName: connection.companyName, spent: realmSpent });
      companies.set(pd.companyId, company);
    }
    connections.push({
      realmId: connection.realmId,
      companyName: connection.companyName,
      status: connection.status,
      statusReason: connection.statusReason,
      pipedrive: pd
        ? {
            apiDomain: pd.apiDomain,
            plan: pd.plan,
            seats: pd.seats,
            auth: pd.auth,
            webhook: connection.pipedriveWebhook !== undefined,
          }
        : undefined,
      parked: await parking.count(connection.realmId),
      deferredForBudget: await parking.count(connection.realmId, 'budget'),
      deferredForThrottling: await parking.count(connection.realmId, 'throttle'),
      tokens: tokenHealth,
      counts,
      budget,
      qboCalls: (
        await qboCallsOf(
          sources.table,
          connection.realmId,
          now,
          sources.qboMonthlyCallCap ?? DEFAULT_QBO_MONTHLY_CALL_CAP,
          1,
        )
      ).estimate,
      pipedriveFindings: await findings.read(connection.realmId),
      recent: (await audit.recent(connection.realmId, { limit: 15 })).entries,
    });
  }
  const queues = await queueDepths(sources);
  const timeline = customer
    ? (await audit.history(customer.realmId, customer.qboId, { limit: 100 })).entries
    : undefined;
  return {
    at: new Date(now).toISOString(),
    connections,
    pipedriveCompanies: [...companies.values()],
    queues,
    customer: customer && timeline ? { ...customer, timeline } : undefined,
  };
}

/** How long each stored token of a connection has left. */
async function tokenHealthOf(
  tokens: TokenStore,
  realmId: string,
  now: number,
): Promise<StatusSnapshot['connections'][number]['tokens']> {
  const tokenHealth = [];
  for (const provider of ['quickbooks', 'pipedrive'] as const) {
    const stored = await tokens.read(realmId, provider);
    if (!stored) continue;
    tokenHealth.push({
      provider,
      accessExpiresInMinutes:
        stored.accessTokenExpiresAt === undefined ? null : Math.round((stored.accessTokenExpiresAt - now) / 60_000),
      refreshExpiresInDays:
        stored.refreshTokenExpiresAt === undefined
          ? null
          : Math.round((stored.refreshTokenExpiresAt - now) / 86_400_000),
    });
  }
  return tokenHealth;
}

/** The depth of each queue: waiting and in flight. */
async function queueDepths(sources: StatusSources): Promise<StatusSnapshot['queues']> {
  const queues = [];
  for (const [name, url] of Object.entries(sources.queues)) {
    const attributes =
      (
        await sources.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes ?? {};
    queues.push({
      name,
      visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    });
  }
  return queues;
}
