import type { LinkCounts } from '../store/link-counts';
import { linkSummaries, linksInState, type LinkSummary } from '../store/link-summaries';
import type { Table } from '../store/table';
import { HEALTH_STATES, type HealthQuery, type HealthState } from './health-report';

/** One page of a connection's customers, and how many match the filter in all. */
export interface CustomerPage {
  page: number;
  total: number;
  rows: LinkSummary[];
}

/**
 * One page of customers, failing first (HEALTH_STATES' order), then most recently changed (decision
 * 56). Without a search it is bounded: the counters say which states the page falls in, and each is
 * a Query of the state index reading `skip + take` entries, whatever the number of customers. A
 * search by name reads every link (names are not indexed): the operator asked for it.
 */
export async function customerPage(
  table: Table,
  realmId: string,
  counts: LinkCounts,
  query: HealthQuery,
): Promise<CustomerPage> {
  if (query.search) return searched(await linkSummaries(table, realmId), query);
  const states: readonly HealthState[] = query.state ? [query.state] : HEALTH_STATES;
  const total = states.reduce((sum, state) => sum + counts[state], 0);
  const page = Math.min(query.page, Math.max(1, Math.ceil(total / query.pageSize)));
  let skip = (page - 1) * query.pageSize;
  const rows: LinkSummary[] = [];
  for (const state of states) {
    if (rows.length >= query.pageSize) break;
    // The counters may trail the index by a moment: an emptier state than counted just ends the page sooner.
    if (skip >= counts[state]) {
      skip -= counts[state];
      continue;
    }
    rows.push(...(await linksInState(table, realmId, state, skip, query.pageSize - rows.length)));
    skip = 0;
  }
  return { page, total, rows };
}

const STATE_ORDER = Object.fromEntries(HEALTH_STATES.map((state, i) => [state, i]));

function searched(all: LinkSummary[], query: HealthQuery): CustomerPage {
  const needle = query.search?.toLowerCase() ?? '';
  const filtered = all
    .filter(
      (link) =>
        (!query.state || link.state === query.state) &&
        (link.qboId === query.search || (link.name?.toLowerCase().includes(needle) ?? false)),
    )
    .sort((a, b) => (STATE_ORDER[a.state] ?? 0) - (STATE_ORDER[b.state] ?? 0) || b.updatedAt - a.updatedAt);
  const page = Math.min(query.page, Math.max(1, Math.ceil(filtered.length / query.pageSize)));
  return {
    page,
    total: filtered.length,
    rows: filtered.slice((page - 1) * query.pageSize, page * query.pageSize),
  };
}
