import { quickbooksLink } from '../sync/mapping';
import { AuditLog, type AuditEntry } from '../store/audit-log';
import { BudgetLedger } from '../store/budget-ledger';
import { HealthMarks } from '../store/health-marks';
import { linksInState, summariesOf, type LinkSummary } from '../store/link-summaries';
import { ParkingStore } from '../store/parking-store';
import { customerPage } from './health-customers';
import type { FailureGroup, HealthActivity, HealthCustomer, HealthQuery, HealthReport } from './health-report';
import { qboCallsOf } from './qbo-call-estimate';
import { statusSnapshot, type StatusSources } from './status';

export interface HealthSources extends StatusSources {
  /** Where a person opens a QBO customer (`QBO_APP_URL`). */
  qboAppUrl: string;
}

const CHART_DAYS = 14;
const RECENT_SHOWN = 15;
/** Enough recent entries that a burst of "unchanged" ones still leaves some that say something. */
const RECENT_READ = 100;
const EXAMPLES_PER_GROUP = 5;
/** Failure groups are read from the most recently changed failing and held customers, this many of each (decision 59). */
const FAILURE_SAMPLE = 1_000;

/** What happened, in one line: the changed fields, the error, or the note. */
function what(entry: AuditEntry): string {
  if (entry.error) return `${entry.error.kind}: ${entry.error.message}`;
  if (entry.diff) return Object.keys(entry.diff).join(', ');
  return entry.note ?? '';
}

function activity(entry: AuditEntry, names: Map<string, string>): HealthActivity {
  const name = names.get(entry.qboId);
  return {
    at: entry.at,
    source: entry.source,
    action: entry.action,
    qboId: entry.qboId,
    ...(name !== undefined ? { name } : {}),
    ...(entry.orgId !== undefined ? { orgId: entry.orgId } : {}),
    pipedriveTokens: entry.pipedriveTokens,
    what: what(entry),
  };
}

/** Failure categories, read from the reason a link was marked with, each with what to do and the command that does it. */
function categoryOf(link: LinkSummary): Omit<FailureGroup, 'count' | 'examples'> {
  const reason = link.reason ?? '';
  if (link.state === 'review')
    return {
      category: 'review',
      title: 'Held for review: several organizations could be this customer',
      advice:
        'Nothing is written until a person decides. Pick the organization in the match report, then run the backfill again.',
      command: 'ml-connector backfill --dry-run --csv matches.csv',
    };
  if (reason.startsWith('auth:'))
    return {
      category: 'auth',
      title: 'A connection needs reconnecting',
      advice:
        'QuickBooks or Pipedrive refused the connector’s token. Changes are kept and sent again once you reconnect.',
      command: 'ml-connector connect quickbooks (or: connect pipedrive)',
    };
  if (reason.startsWith('deferred:') || reason.startsWith('rate-limited:'))
    return {
      category: 'waiting',
      title: 'Waiting for a rate limit or the daily budget',
      advice:
        'Nothing to do: they are sent again when QuickBooks takes calls again or the next Pipedrive budget day starts.',
      command: 'ml-connector status',
    };
  if (reason.startsWith('hard-stop:'))
    return {
      category: 'blocked',
      title: 'Pipedrive is blocking the connector’s calls',
      advice: 'Held until the block lifts (decision 32). Check that Pipedrive answers again.',
      command: 'ml-connector ping',
    };
  if (reason.startsWith('transient:'))
    return {
      category: 'retrying',
      title: 'Temporary failures, being retried',
      advice:
        'They retry on their own. Any that run out of retries land in the dead-letter queue: replay them from there.',
      command: 'ml-connector replay --dlq',
    };
  return {
    category: 'rejected',
    title: 'Refused: the data needs fixing',
    advice:
      'The reason says which field. Fix the customer in QuickBooks (that triggers a sync), or sync it again by hand.',
    command: 'ml-connector replay --customer ID',
  };
}

/** Equal counts: what needs a person first. */
const GROUP_ORDER = ['auth', 'rejected', 'blocked', 'review', 'retrying', 'waiting'];

function failureGroups(summaries: readonly LinkSummary[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const link of summaries) {
    if (link.state !== 'failed' && link.state !== 'review') continue;
    const category = categoryOf(link);
    const group = groups.get(category.category) ?? { ...category, count: 0, examples: [] };
    group.count++;
    if (group.examples.length < EXAMPLES_PER_GROUP)
      group.examples.push({
        qboId: link.qboId,
        ...(link.name !== undefined ? { name: link.name } : {}),
        reason: link.reason ?? '',
      });
    groups.set(category.category, group);
  }
  return [...groups.values()].sort(
    (a, b) => b.count - a.count || GROUP_ORDER.indexOf(a.category) - GROUP_ORDER.indexOf(b.category),
  );
}

type SnapshotConnection = Awaited<ReturnType<typeof statusSnapshot>>['connections'][number];

/** One connection's part of the page: counts, failures, last runs, oldest waiting change and 14 days of use. */
async function connectionHealth(sources: HealthSources, c: SnapshotConnection, now: number) {
  const marks = new HealthMarks(sources.table);
  const parking = new ParkingStore(sources.table);
  const ledger = new BudgetLedger(sources.table);
  const audit = new AuditLog(sources.table, 1);
  const fromDay = new Date(now - (CHART_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  const today = new Date(now).toISOString().slice(0, 10);
  const failing = [
    ...(await linksInState(sources.table, c.realmId, 'failed', 0, FAILURE_SAMPLE)),
    ...(await linksInState(sources.table, c.realmId, 'review', 0, FAILURE_SAMPLE)),
  ];
  const calls = await qboCallsOf(sources.table, c.realmId, now, c.qboCalls.cap, CHART_DAYS);
  const tokens = c.budget ? await ledger.days(c.budget.companyId, fromDay, today) : new Map<string, number>();
  const parkedAt = await Promise.all(
    (['reauth', 'budget', 'blocked', 'throttle'] as const).map((lane) => parking.oldestParkedAt(c.realmId, lane)),
  );
  const oldest = parkedAt.filter((at) => at !== undefined).sort((a, b) => a - b)[0];
  const recent = (await audit.recent(c.realmId, { limit: RECENT_READ })).entries
    // "Unchanged" and "stale" say only that nothing needed doing: they would crowd out what did happen.
    .filter((e) => e.action !== 'unchanged' && e.action !== 'stale')
    .slice(0, RECENT_SHOWN);
  const names = await namesOf(
    sources,
    c.realmId,
    recent.map((e) => e.qboId),
  );
  return {
    realmId: c.realmId,
    ...(c.companyName !== undefined ? { companyName: c.companyName } : {}),
    status: c.status,
    ...(c.statusReason !== undefined ? { statusReason: c.statusReason } : {}),
    ...(c.pipedrive ? { pipedrive: c.pipedrive } : {}),
    tokens: c.tokens,
    counts: c.counts,
    parked: c.parked,
    deferredForBudget: c.deferredForBudget,
    deferredForThrottling: c.deferredForThrottling,
    ...(c.budget ? { budget: { spent: c.budget.spent, share: c.budget.share, realmSpent: c.budget.realmSpent } } : {}),
    qboCalls: calls.estimate,
    lastSuccess: await marks.read(c.realmId),
    ...(oldest !== undefined ? { oldestWaitingAt: oldest } : {}),
    daily: calls.perDay.map(({ day, calls: qboCalls }) => ({
      day,
      qboCalls,
      pipedriveTokens: tokens.get(day) ?? 0,
    })),
    failures: failureGroups(failing),
    ...(c.pipedriveFindings ? { pipedriveFindings: c.pipedriveFindings } : {}),
    recent: recent.map((e) => activity(e, names)),
  };
}

/**
 * The sync-health page's data (`ml-connector health`, the local stack's /health): the status
 * snapshot, plus one connection's customers a page at a time (the whole list never leaves the
 * function), failures by category, the last successful runs, and 14 days of tokens and QBO calls.
 */
/** The names of a few customers, by id (one BatchGet). */
async function namesOf(
  sources: HealthSources,
  realmId: string,
  qboIds: readonly string[],
): Promise<Map<string, string>> {
  const summaries = await summariesOf(sources.table, realmId, qboIds);
  return new Map(summaries.flatMap((s) => (s.name !== undefined ? [[s.qboId, s.name] as const] : [])));
}

export async function healthReport(sources: HealthSources, query: HealthQuery): Promise<HealthReport> {
  const now = sources.now();
  const snapshot = await statusSnapshot(
    sources,
    query.customerId && query.realmId ? { realmId: query.realmId, qboId: query.customerId } : undefined,
  );
  const selected = snapshot.connections.find((c) => c.realmId === query.realmId) ?? snapshot.connections[0];

  const connections = [];
  for (const c of snapshot.connections) connections.push(await connectionHealth(sources, c, now));

  const listed = selected
    ? await customerPage(sources.table, selected.realmId, selected.counts, query)
    : { page: 1, total: 0, rows: [] };
  const apiDomain = selected?.pipedrive?.apiDomain.replace(/\/$/, '');
  const rows: HealthCustomer[] = listed.rows.map((link) => ({
    qboId: link.qboId,
    ...(link.name !== undefined ? { name: link.name } : {}),
    state: link.state,
    ...(link.orgId !== undefined ? { orgId: link.orgId } : {}),
    ...(link.reason !== undefined ? { reason: link.reason } : {}),
    updatedAt: link.updatedAt,
    qboUrl: quickbooksLink(sources.qboAppUrl, selected?.realmId ?? '', link.qboId),
    ...(apiDomain && link.orgId !== undefined ? { pipedriveUrl: `${apiDomain}/organization/${link.orgId}` } : {}),
  }));
  const names = snapshot.customer
    ? await namesOf(sources, snapshot.customer.realmId, [
        snapshot.customer.qboId,
        ...snapshot.customer.timeline.map((e) => e.qboId),
      ])
    : new Map<string, string>();
  return {
    at: now,
    connections,
    ...(selected ? { realmId: selected.realmId } : {}),
    customers: {
      ...(query.state ? { state: query.state } : {}),
      ...(query.search ? { search: query.search } : {}),
      page: listed.page,
      pageSize: query.pageSize,
      total: listed.total,
      rows,
    },
    queues: snapshot.queues,
    ...(snapshot.customer
      ? {
          customer: {
            realmId: snapshot.customer.realmId,
            qboId: snapshot.customer.qboId,
            timeline: snapshot.customer.timeline.map((e) => activity(e, names)),
          },
        }
      : {}),
  };
}
