import { escapeHtml as escape } from '../../functions/platform/html';
import type { AuditEntry } from '../../functions/store/audit-log';
import type { StatusSnapshot } from '../../functions/operations/status';

export {
  statusSnapshot as healthSnapshot,
  type StatusSources as HealthSources,
} from '../../functions/operations/status';

function activityRows(entries: readonly AuditEntry[], realmId: string): string {
  return entries
    .map(
      (e) =>
        `<tr><td>${escape(new Date(e.at).toISOString().slice(11, 19))}</td><td>${escape(e.source)}</td><td class="${escape(e.action)}">${escape(e.action)}</td><td><a href="/health?realm=${encodeURIComponent(realmId)}&amp;customer=${encodeURIComponent(e.qboId)}">${escape(e.qboId)}</a></td><td>${escape(e.orgId ?? '')}</td><td>${escape(e.pipedriveTokens)}</td><td>${escape(e.error ? `${e.error.kind}: ${e.error.message}` : e.diff ? Object.keys(e.diff).join(', ') : (e.note ?? ''))}</td></tr>`,
    )
    .join('');
}

/** The sync-health page: plain HTML, refreshed every 5 s, nothing from a record but ids and field names. */
export function renderHealth(snapshot: StatusSnapshot): string {
  const connections = snapshot.connections
    .map(
      (
        c,
      ) => `<section><h2>${escape(c.companyName ?? c.realmId)} <small>realm ${escape(c.realmId)}</small> <span class="status ${escape(c.status)}">${escape(c.status)}</span></h2>
${c.statusReason ? `<p class="reason">${escape(c.statusReason)}</p>` : ''}
<p>Pipedrive: ${escape(c.pipedrive?.apiDomain ?? 'not connected')}</p>
<table class="counts"><tr><th>In sync</th><th>Excluded</th><th>Failing</th><th>Pending</th></tr><tr><td id="in-sync">${c.counts.synced}</td><td>${c.counts.excluded}</td><td id="failing">${c.counts.failed}</td><td>${c.counts.pending}</td></tr></table>
<table><tr><th>Token</th><th>Access expires in (min)</th><th>Refresh expires in (days)</th></tr>${c.tokens.map((t) => `<tr><td>${escape(t.provider)}</td><td>${escape(t.accessExpiresInMinutes ?? 'never')}</td><td>${escape(t.refreshExpiresInDays ?? '—')}</td></tr>`).join('')}</table>
${c.budget ? `<p id="budget">Pipedrive tokens today: ${c.budget.spent} of ${c.budget.share} (the connector's share)</p>` : ''}
<h3>Recent activity</h3><table class="activity"><tr><th>Time</th><th>Source</th><th>Action</th><th>Customer</th><th>Org</th><th>Tokens</th><th>What</th></tr>${activityRows(c.recent, c.realmId)}</table></section>`,
    )
    .join('');
  const queues = `<table><tr><th>Queue</th><th>Waiting</th><th>In flight</th></tr>${snapshot.queues.map((q) => `<tr><td>${escape(q.name)}</td><td>${q.visible}</td><td>${q.inFlight}</td></tr>`).join('')}</table>`;
  const customer = snapshot.customer
    ? `<section id="timeline"><h2>Customer ${escape(snapshot.customer.qboId)}: full history</h2><table class="activity"><tr><th>Time</th><th>Source</th><th>Action</th><th>Customer</th><th>Org</th><th>Tokens</th><th>What</th></tr>${activityRows(snapshot.customer.timeline, snapshot.customer.realmId)}</table></section>`
    : '';
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>ml-connector · sync health</title>
<style>body{font-family:system-ui;margin:2rem;max-width:70rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}.status.active{color:#166534}.status.needs_reauth{color:#b91c1c}.failed{color:#b91c1c}</style>
<body><h1>ml-connector · sync health</h1><p>As of ${escape(snapshot.at)}</p>${connections || '<p>No connection yet.</p>'}<h2>Queues</h2>${queues}${customer}</body></html>`;
}
