import { escapeHtml as escape } from '../../functions/shared/html';
import type { AuditEntry } from '../../functions/store/audit-log';
import type { StatusSnapshot } from '../../functions/operations/status';

export {
  statusSnapshot as healthSnapshot,
  type StatusSources as HealthSources,
} from '../../functions/operations/status';

const REFRESH_SECONDS = 5;
const ACTIVITY_HEADER =
  '<tr><th>Time</th><th>Source</th><th>Action</th><th>Customer</th><th>Org</th><th>Tokens</th><th>What</th></tr>';

/** Access tokens are renewed on use; what needs a person is a refresh token about to lapse (then only reconnecting helps). */
export function tokenState(refreshExpiresInDays: number | null): string {
  if (refreshExpiresInDays === null || refreshExpiresInDays > 14) return 'ok';
  return refreshExpiresInDays > 0 ? 'expires soon: reconnect' : 'expired: reconnect';
}

/** The page of one customer's full history, scrolled to it. */
function timelineHref(realmId: string, qboId: string): string {
  return `/health?realm=${encodeURIComponent(realmId)}&amp;customer=${encodeURIComponent(qboId)}#timeline`;
}

function activityRows(entries: readonly AuditEntry[], realmId: string): string {
  return entries
    .map(
      (e) =>
        `<tr><td>${escape(new Date(e.at).toISOString().slice(11, 19))}</td><td>${escape(e.source)}</td><td class="${escape(e.action)}">${escape(e.action)}</td><td><a href="${timelineHref(realmId, e.qboId)}" title="full history of customer ${escape(e.qboId)}">${escape(e.qboId)}</a></td><td>${escape(e.orgId ?? '')}</td><td>${escape(e.pipedriveTokens)}</td><td>${escape(e.error ? `${e.error.kind}: ${e.error.message}` : e.diff ? Object.keys(e.diff).join(', ') : (e.note ?? ''))}</td></tr>`,
    )
    .join('');
}

/** A two-column table whose rows are named by their header cell (what a screen reader, or a test, looks rows up by). */
function namedRows(caption: string, rows: readonly [string, string | number, string?][]): string {
  return `<table><caption>${escape(caption)}</caption>${rows.map(([name, value, cls]) => `<tr${cls ? ` class="${cls}"` : ''}><th scope="row">${escape(name)}</th><td>${escape(value)}</td></tr>`).join('')}</table>`;
}

function renderConnection(c: StatusSnapshot['connections'][number]): string {
  // The company's budget is shown once, in its own section; here only this realm's part of the spend.
  const budget = c.budget ? `<p>Pipedrive tokens spent today for this company: ${c.budget.realmSpent}</p>` : '';
  const tokens = `<table><caption>Tokens</caption><tr><th>Provider</th><th>State</th><th>Access expires in (min)</th><th>Refresh expires in (days)</th></tr>${c.tokens.map((t) => `<tr><th scope="row">${escape(t.provider)}</th><td>${escape(tokenState(t.refreshExpiresInDays))}</td><td>${escape(t.accessExpiresInMinutes ?? 'never')}</td><td>${escape(t.refreshExpiresInDays ?? '—')}</td></tr>`).join('')}</table>`;
  const activity = c.recent.length
    ? `<table class="activity"><caption>Recent activity (newest first; a customer links to their full history)</caption>${ACTIVITY_HEADER}${activityRows(c.recent, c.realmId)}</table>`
    : '<p>No activity yet.</p>';
  return `<section><h2>${escape(c.companyName ?? c.realmId)} <small>realm ${escape(c.realmId)}</small> <span class="status ${escape(c.status)}">${escape(c.status)}</span></h2>
${c.statusReason ? `<p class="reason">${escape(c.statusReason)}</p>` : ''}
<p>Pipedrive: ${escape(c.pipedrive ? `${c.pipedrive.apiDomain} (${c.pipedrive.plan}, ${c.pipedrive.seats} seat(s), ${c.pipedrive.auth})` : 'not connected')}</p>
${namedRows('Customers', [
  ['In sync', c.counts.synced],
  ['Excluded', c.counts.excluded],
  ['Failing', c.counts.failed, c.counts.failed > 0 ? 'failed' : undefined],
  ['Pending', c.counts.pending],
  ['Held for review', c.counts.review],
])}
${c.parked > 0 ? `<p class="failed">${c.parked} change(s) parked until the connection is reconnected.</p>` : ''}
${c.deferredForBudget > 0 ? `<p>${c.deferredForBudget} change(s) waiting for the next Pipedrive budget day.</p>` : ''}
${tokens}
${budget}
<h3>Recent activity</h3>${activity}</section>`;
}

/** Each Pipedrive company once: its budget, shared by the realms writing into it, and each realm's part (decision 37). */
function renderPipedriveCompany(company: StatusSnapshot['pipedriveCompanies'][number], index: number): string {
  const percent = (part: number, whole: number) => Math.round((100 * part) / Math.max(1, whole));
  const parts =
    company.realms.length > 1
      ? namedRows(
          `Spent today by each of the ${company.realms.length} QuickBooks companies`,
          company.realms.map((realm) => [
            `${realm.companyName ?? realm.realmId} (realm ${realm.realmId})`,
            `${realm.spent} (${percent(realm.spent, company.spent)} %)`,
          ]),
        )
      : '';
  return `<section><h2>Pipedrive ${escape(company.apiDomain)}</h2><p${index === 0 ? ' id="budget"' : ''}>Pipedrive tokens spent today: ${company.spent} of ${company.share} (${percent(company.spent, company.share)} % of the connector's share of the company's daily budget)</p>${parts}</section>`;
}

/** The sync-health page: plain HTML, refreshed every few seconds, nothing from a record but ids and field names. */
export function renderHealth(snapshot: StatusSnapshot): string {
  const connections = snapshot.connections.length
    ? snapshot.connections.map(renderConnection).join('') +
      snapshot.pipedriveCompanies.map(renderPipedriveCompany).join('')
    : '';
  const queues = `<table><caption>Messages per queue</caption><tr><th>Queue</th><th>Waiting</th><th>In flight</th></tr>${snapshot.queues.map((q) => `<tr${q.name.endsWith('DLQ') && q.visible + q.inFlight > 0 ? ' class="failed"' : ''}><th scope="row">${escape(q.name)}</th><td>${q.visible}</td><td>${q.inFlight}</td></tr>`).join('')}</table>`;
  const customer = snapshot.customer
    ? `<section id="timeline"><h2>Customer ${escape(snapshot.customer.qboId)}: full history</h2><p><a href="/health">Back to the overview</a></p>${
        snapshot.customer.timeline.length
          ? `<table class="activity"><caption>Every sync of customer ${escape(snapshot.customer.qboId)}, newest first</caption>${ACTIVITY_HEADER}${activityRows(snapshot.customer.timeline, snapshot.customer.realmId)}</table>`
          : '<p>Nothing recorded for this customer.</p>'
      }</section>`
    : '';
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta http-equiv="refresh" content="${REFRESH_SECONDS}"><title>${snapshot.customer ? `Customer ${escape(snapshot.customer.qboId)} · ` : ''}ml-connector · sync health</title>
<style>body{font-family:system-ui;margin:2rem;max-width:70rem}table{border-collapse:collapse;margin:.5rem 0}caption{text-align:left;font-weight:600}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}.status.active{color:#166534}.status.needs_reauth{color:#b91c1c}.failed{color:#b91c1c}</style>
<body><h1>ml-connector · sync health</h1><p>As of ${escape(snapshot.at)}; this page refreshes every ${REFRESH_SECONDS} s.</p>${connections || '<p>No connection yet.</p>'}<h2>Queues</h2>${queues}${customer}</body></html>`;
}
