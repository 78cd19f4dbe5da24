import { escapeHtml as escape } from '../shared/html';
import { CUSTOMER_STATE_LABELS } from './customer-counts';
import { describePipedrive } from './pipedrive-description';
import {
  type FailureGroup,
  type HealthActivity,
  type HealthConnection,
  type HealthCustomer,
  HealthQuery,
  type HealthReport,
  type HealthState,
} from './health-report';

/**
 * The sync-health page, drawn from a HealthReport: the same page for the local stack (/health) and a
 * deployed stack (`ml-connector health`). Inline CSS and SVG, no script and nothing fetched from the
 * network; every value is escaped.
 */

export const REFRESH_SECONDS = 30;
const DEFAULT_PAGE_SIZE = HealthQuery.shape.pageSize.parse(undefined);

export interface RenderOptions {
  /** The time zone times are shown in (the process's own unless given; tests pin it). */
  timeZone?: string;
  /** Where the page itself is served, for its links (`/health`). */
  path?: string;
}

const STATE_LABELS: Record<HealthState, string> = CUSTOMER_STATE_LABELS;
const STATE_ORDER: readonly HealthState[] = ['failed', 'review', 'pending', 'excluded', 'synced'];

/** Access tokens are renewed on use; what needs a person is a refresh token about to lapse (then only reconnecting helps). */
export function tokenState(refreshExpiresInDays: number | null): string {
  if (refreshExpiresInDays === null || refreshExpiresInDays > 14) return 'ok';
  return refreshExpiresInDays > 0 ? 'expires soon: reconnect' : 'expired: reconnect';
}

/** "just now", "4 min ago", "3 h ago", "2 days ago" (or "in …" for a time ahead). */
export function relativeAge(at: number, now: number): string {
  const seconds = Math.round((now - at) / 1000);
  const ahead = seconds < 0;
  const s = Math.abs(seconds);
  const text =
    s < 45
      ? 'just now'
      : s < 3600
        ? `${String(Math.max(1, Math.round(s / 60)))} min`
        : s < 48 * 3600
          ? `${String(Math.round(s / 3600))} h`
          : `${String(Math.round(s / 86_400))} days`;
  if (text === 'just now') return text;
  return ahead ? `in ${text}` : `${text} ago`;
}

interface Context {
  now: number;
  path: string;
  report: HealthReport;
  format: Intl.DateTimeFormat;
}

function time(at: number | undefined, ctx: Context, never = 'never'): string {
  if (at === undefined) return `<span class="muted">${escape(never)}</span>`;
  const iso = new Date(at).toISOString();
  return `<time datetime="${escape(iso)}" title="${escape(iso)}">${escape(ctx.format.format(new Date(at)))}</time> <span class="age">(${escape(relativeAge(at, ctx.now))})</span>`;
}

/** A link to this page with some of its query changed (realm kept, page reset unless given). */
function pageHref(ctx: Context, changes: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  const { customers, realmId } = ctx.report;
  const current: Record<string, string | number | undefined> = {
    realm: realmId,
    state: customers.state,
    q: customers.search,
    size: customers.pageSize === DEFAULT_PAGE_SIZE ? undefined : customers.pageSize,
    ...changes,
  };
  for (const [key, value] of Object.entries(current))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const query = params.toString();
  return escape(`${ctx.path}${query ? `?${query}` : ''}`);
}

function customerName(qboId: string, name: string | undefined): string {
  return name
    ? `<span class="name">${escape(name)}</span> <span class="id">#${escape(qboId)}</span>`
    : `<span class="id">#${escape(qboId)}</span>`;
}

function historyLink(ctx: Context, realmId: string, qboId: string, name: string | undefined): string {
  const href = escape(`${ctx.path}?${new URLSearchParams({ realm: realmId, customer: qboId }).toString()}#timeline`);
  return `<a href="${href}" aria-label="History of ${escape(name ?? `customer ${qboId}`)} (#${escape(qboId)})">${customerName(qboId, name)}</a>`;
}

function activityTable(caption: string, entries: readonly HealthActivity[], realmId: string, ctx: Context): string {
  if (entries.length === 0) return '<p class="muted">Nothing yet.</p>';
  const rows = entries
    .map(
      (e) =>
        `<tr><td>${time(e.at, ctx)}</td><td>${escape(e.source)}</td><td><span class="pill ${escape(e.action)}">${escape(e.action)}</span></td><td>${historyLink(ctx, realmId, e.qboId, e.name)}</td><td class="num">${escape(e.pipedriveTokens)}</td><td class="what">${escape(e.what)}</td></tr>`,
    )
    .join('');
  return `<table class="wide"><caption>${escape(caption)}</caption><thead><tr><th scope="col">When</th><th scope="col">Source</th><th scope="col">Action</th><th scope="col">Customer</th><th scope="col">Tokens</th><th scope="col">What</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A small bar chart of one daily series, drawn inline: its title names it for screen readers. */
function barChart(id: string, title: string, days: readonly { day: string; value: number }[]): string {
  const width = 280;
  const height = 80;
  const gap = 2;
  const max = Math.max(1, ...days.map((d) => d.value));
  const bar = (width - gap * (days.length - 1)) / Math.max(1, days.length);
  const total = days.reduce((sum, d) => sum + d.value, 0);
  const bars = days
    .map((d, i) => {
      const h = d.value === 0 ? 0 : Math.max(1, (d.value / max) * (height - 14));
      const x = i * (bar + gap);
      return `<rect x="${x.toFixed(1)}" y="${(height - h).toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}"><title>${escape(`${d.day}: ${d.value.toLocaleString('en-US')}`)}</title></rect>`;
    })
    .join('');
  const last = days[days.length - 1];
  return `<figure class="chart"><svg id="${escape(id)}" role="img" aria-labelledby="${escape(id)}-t" viewBox="0 0 ${String(width)} ${String(height)}" width="${String(width)}" height="${String(height)}"><title id="${escape(id)}-t">${escape(`${title}, last ${String(days.length)} days: ${total.toLocaleString('en-US')} in all, at most ${max.toLocaleString('en-US')} a day`)}</title><line x1="0" y1="${String(height - 0.5)}" x2="${String(width)}" y2="${String(height - 0.5)}" class="axis"/>${bars}<text x="0" y="10" class="label">${escape(max.toLocaleString('en-US'))}</text></svg><figcaption>${escape(title)} · today ${escape((last?.value ?? 0).toLocaleString('en-US'))}</figcaption></figure>`;
}

function stateCounts(c: HealthConnection, ctx: Context): string {
  const active = ctx.report.customers.state;
  const rows = STATE_ORDER.map((state) => {
    const count = c.counts[state];
    const current = active === state && ctx.report.realmId === c.realmId;
    return `<tr class="${state}${count > 0 && (state === 'failed' || state === 'review') ? ' alert' : ''}"><th scope="row">${escape(STATE_LABELS[state])}</th><td class="num"><a href="${pageHref(ctx, { realm: c.realmId, state, q: undefined })}#customers"${current ? ' aria-current="true"' : ''} aria-label="Show the ${escape(count)} customers ${escape(STATE_LABELS[state].toLowerCase())}">${escape(count.toLocaleString('en-US'))}</a></td></tr>`;
  }).join('');
  const total = STATE_ORDER.reduce((sum, s) => sum + c.counts[s], 0);
  return `<table class="counts"><caption>Customers by state</caption>${rows}<tr class="total"><th scope="row">All</th><td class="num"><a href="${pageHref(ctx, { realm: c.realmId, state: undefined, q: undefined })}#customers" aria-label="Show all ${escape(total)} customers">${escape(total.toLocaleString('en-US'))}</a></td></tr></table>`;
}

function lastRuns(c: HealthConnection, ctx: Context): string {
  const row = (name: string, at: number | undefined) =>
    `<tr><th scope="row">${escape(name)}</th><td>${time(at, ctx, 'not yet')}</td></tr>`;
  return `<table><caption>Last success</caption>${row('Poll', c.lastSuccess.poll)}${row('Webhook change', c.lastSuccess.webhook)}${row('Reconcile', c.lastSuccess.reconcile)}</table>`;
}

function queueTable(c: HealthConnection | undefined, ctx: Context): string {
  const rows = ctx.report.queues
    .map((q) => {
      const dead = q.name.endsWith('DLQ');
      const alert = dead && q.visible + q.inFlight > 0;
      return `<tr${alert ? ' class="alert"' : ''}><th scope="row">${escape(q.name)}</th><td class="num">${escape(q.visible)}</td><td class="num">${escape(q.inFlight)}</td></tr>`;
    })
    .join('');
  const dlq = ctx.report.queues.filter((q) => q.name.endsWith('DLQ')).reduce((s, q) => s + q.visible + q.inFlight, 0);
  const held = c ? c.parked + c.deferredForBudget + c.deferredForThrottling : 0;
  return `<table><caption>Messages per queue</caption><thead><tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">In flight</th></tr></thead><tbody>${rows}</tbody></table>
<dl class="facts"><div><dt>Dead letters</dt><dd${dlq > 0 ? ' class="alert"' : ''}>${escape(dlq)}${dlq > 0 ? ' · <code>ml-connector replay --dlq</code>' : ''}</dd></div><div><dt>Oldest waiting change</dt><dd>${c?.oldestWaitingAt !== undefined ? `parked ${time(c.oldestWaitingAt, ctx)}` : '<span class="muted">none held back</span>'}</dd></div><div><dt>Held back</dt><dd>${escape(held)}${c && held > 0 ? ` (${escape(c.parked)} until reconnect, ${escape(c.deferredForBudget)} for the budget, ${escape(c.deferredForThrottling)} for QuickBooks throttling)` : ''}</dd></div></dl>`;
}

function usage(c: HealthConnection): string {
  const q = c.qboCalls;
  const percent = Math.round((100 * q.projected) / Math.max(1, q.cap));
  const budget = c.budget
    ? `<div><dt>Pipedrive tokens today</dt><dd>${escape(c.budget.realmSpent.toLocaleString('en-US'))} for this company; ${escape(c.budget.spent.toLocaleString('en-US'))} of the connector’s share of ${escape(c.budget.share.toLocaleString('en-US'))}</dd></div>`
    : '';
  return `<dl class="facts"><div><dt>QBO calls today</dt><dd>${escape(q.today.toLocaleString('en-US'))}</dd></div><div><dt>QBO calls this month</dt><dd>${escape(q.month.toLocaleString('en-US'))} in ${escape(q.daysElapsed)} of ${escape(q.daysInMonth)} days</dd></div><div><dt>Projected this month</dt><dd${q.projected > q.cap ? ' class="alert"' : ''}>${escape(q.projected.toLocaleString('en-US'))} of the ${escape(q.cap.toLocaleString('en-US'))} cap (${escape(percent)} %)</dd></div>${budget}</dl>
<meter min="0" max="${escape(q.cap)}" value="${escape(Math.min(q.projected, q.cap))}" high="${escape(Math.round(q.cap * 0.8))}" aria-label="Projected QBO calls this month against the cap">${escape(percent)} %</meter>`;
}

function tokensTable(c: HealthConnection): string {
  return `<table><caption>Tokens</caption><thead><tr><th scope="col">Provider</th><th scope="col">State</th><th scope="col">Access (min)</th><th scope="col">Refresh (days)</th></tr></thead><tbody>${c.tokens.map((t) => `<tr${tokenState(t.refreshExpiresInDays) === 'ok' ? '' : ' class="alert"'}><th scope="row">${escape(t.provider)}</th><td>${escape(tokenState(t.refreshExpiresInDays))}</td><td class="num">${escape(t.accessExpiresInMinutes ?? 'never')}</td><td class="num">${escape(t.refreshExpiresInDays ?? '—')}</td></tr>`).join('')}</tbody></table>`;
}

function failureSection(groups: readonly FailureGroup[], realmId: string, ctx: Context): string {
  if (groups.length === 0)
    return '<section aria-labelledby="failures-h"><h2 id="failures-h">Failures</h2><p class="ok">No customer is failing or held for review.</p></section>';
  const cards = groups
    .map(
      (g) =>
        `<article class="failure" aria-labelledby="failure-${escape(g.category)}"><h3 id="failure-${escape(g.category)}">${escape(g.title)} <span class="count">${escape(g.count)}</span></h3><p>${escape(g.advice)}</p><p class="command">Run: <code>${escape(g.command)}</code></p><ul>${g.examples.map((e) => `<li>${historyLink(ctx, realmId, e.qboId, e.name)}: <span class="what">${escape(e.reason)}</span></li>`).join('')}</ul>${g.count > g.examples.length ? `<p><a href="${pageHref(ctx, { state: g.category === 'review' ? 'review' : 'failed', q: undefined })}#customers">All ${escape(g.count)}</a></p>` : ''}</article>`,
    )
    .join('');
  return `<section aria-labelledby="failures-h"><h2 id="failures-h">Failures by category</h2><div class="grid">${cards}</div></section>`;
}

/** What the last Pipedrive-side reconcile found, each group with the command that resolves it (decision 64). */
function pipedriveFindingsSection(c: HealthConnection, ctx: Context): string {
  const summary = c.pipedriveFindings;
  if (!summary) return '';
  const heading = `<h2 id="pipedrive-findings-h">Found in Pipedrive <small>reconcile of ${time(summary.at, ctx)}</small></h2>`;
  if (summary.groups.length === 0)
    return `<section aria-labelledby="pipedrive-findings-h">${heading}<p class="ok">Every linked organization is as the connector wrote it.</p></section>`;
  const cards = summary.groups
    .map(
      (g) =>
        `<article class="failure" aria-labelledby="pipedrive-${escape(g.group)}"><h3 id="pipedrive-${escape(g.group)}">${escape(g.title)} <span class="count">${escape(g.count)}</span></h3><p>${escape(g.advice)}</p><p class="command">Run: <code>${escape(g.command)}</code></p><ul>${g.examples.map((e) => `<li>${historyLink(ctx, c.realmId, e.qboId, undefined)}: <span class="what">${escape(e.what)}</span></li>`).join('')}</ul></article>`,
    )
    .join('');
  return `<section aria-labelledby="pipedrive-findings-h">${heading}<div class="grid">${cards}</div></section>`;
}

function customersSection(c: HealthConnection, ctx: Context): string {
  const { customers } = ctx.report;
  const pages = Math.max(1, Math.ceil(customers.total / customers.pageSize));
  const filter = customers.state ? STATE_LABELS[customers.state].toLowerCase() : undefined;
  const caption = `Customers${filter ? `: ${filter}` : ''}${customers.search ? ` matching “${customers.search}”` : ''} (page ${String(customers.page)} of ${String(pages)}, ${String(customers.total)} in all)`;
  const row = (r: HealthCustomer) =>
    `<tr class="${escape(r.state)}"><td>${historyLink(ctx, c.realmId, r.qboId, r.name)}</td><td><span class="pill ${escape(r.state)}">${escape(STATE_LABELS[r.state])}</span></td><td><a href="${escape(r.qboUrl)}" rel="noreferrer" target="_blank" aria-label="Open ${escape(r.name ?? `customer ${r.qboId}`)} in QuickBooks">QuickBooks</a></td><td>${r.pipedriveUrl ? `<a href="${escape(r.pipedriveUrl)}" rel="noreferrer" target="_blank" aria-label="Open organization ${escape(r.orgId)} in Pipedrive">Pipedrive #${escape(r.orgId)}</a>` : '<span class="muted">no organization</span>'}</td><td>${time(r.updatedAt, ctx)}</td><td class="what">${escape(r.reason ?? '')}</td></tr>`;
  const options = [`<option value="">All states</option>`]
    .concat(
      STATE_ORDER.map(
        (s) => `<option value="${s}"${customers.state === s ? ' selected' : ''}>${escape(STATE_LABELS[s])}</option>`,
      ),
    )
    .join('');
  const form = `<form method="get" action="${escape(ctx.path)}#customers" class="filters" role="search" aria-label="Filter customers"><input type="hidden" name="realm" value="${escape(c.realmId)}">${customers.pageSize === DEFAULT_PAGE_SIZE ? '' : `<input type="hidden" name="size" value="${escape(customers.pageSize)}">`}<label>State <select name="state">${options}</select></label><label>Name or id <input type="search" name="q" value="${escape(customers.search ?? '')}"></label><button type="submit">Filter</button></form>`;
  const prev =
    customers.page > 1
      ? `<a rel="prev" href="${pageHref(ctx, { page: customers.page - 1 })}#customers">← Previous</a>`
      : '<span class="muted" aria-disabled="true">← Previous</span>';
  const next =
    customers.page < pages
      ? `<a rel="next" href="${pageHref(ctx, { page: customers.page + 1 })}#customers">Next →</a>`
      : '<span class="muted" aria-disabled="true">Next →</span>';
  const pager = `<nav class="pager" aria-label="Customer pages">${prev}<span>Page ${escape(customers.page)} of ${escape(pages)}</span>${next}</nav>`;
  const table = customers.rows.length
    ? `<table class="wide"><caption>${escape(caption)}</caption><thead><tr><th scope="col">Customer</th><th scope="col">State</th><th scope="col">In QuickBooks</th><th scope="col">In Pipedrive</th><th scope="col">Updated</th><th scope="col">Reason</th></tr></thead><tbody>${customers.rows.map(row).join('')}</tbody></table>`
    : `<p class="muted">No customer matches.</p>`;
  return `<section id="customers" aria-labelledby="customers-h"><h2 id="customers-h">Customers</h2>${form}${table}${pager}</section>`;
}

function connectionSection(c: HealthConnection, ctx: Context): string {
  const pd = describePipedrive(c.pipedrive);
  return `<section class="connection" aria-labelledby="conn-${escape(c.realmId)}"><h2 id="conn-${escape(c.realmId)}">${escape(c.companyName ?? c.realmId)} <small>realm ${escape(c.realmId)}</small> <span class="status ${escape(c.status)}">${escape(c.status)}</span></h2>
${c.statusReason ? `<p class="alert">${escape(c.statusReason)}</p>` : ''}<p class="muted">Pipedrive: ${escape(pd)}</p>
<div class="grid">
<div class="card">${stateCounts(c, ctx)}</div>
<div class="card">${lastRuns(c, ctx)}${tokensTable(c)}</div>
<div class="card">${queueTable(c, ctx)}</div>
<div class="card">${usage(c)}</div>
<div class="card charts">${barChart(
    `tokens-${c.realmId}`,
    'Pipedrive tokens per day',
    c.daily.map((d) => ({ day: d.day, value: d.pipedriveTokens })),
  )}${barChart(
    `qbo-${c.realmId}`,
    'QBO calls per day',
    c.daily.map((d) => ({ day: d.day, value: d.qboCalls })),
  )}</div>
</div></section>`;
}

const STYLE = `:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--card:#fff;--accent:#2563eb;--bad:#b91c1c;--good:#166534;--warn:#a16207}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0}
header{background:#0f172a;color:#fff;padding:.9rem 1.5rem;display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}header h1{font-size:1.2rem;margin:0}header p{margin:0;color:#cbd5e1}header a{color:#93c5fd}
main{padding:1rem 1.5rem;max-width:80rem}h2{font-size:1.1rem;margin:1.4rem 0 .6rem}h2 small{color:var(--muted);font-weight:400}h3{font-size:1rem;margin:0 0 .4rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:.8rem}.card,.failure{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem}
.card{min-width:0}.card table{font-size:.9rem}.card th,.card td{padding:.3rem .3rem}.card thead th{font-size:.75rem}
table{border-collapse:collapse;margin:.2rem 0 .6rem;width:100%}caption{text-align:left;font-weight:600;padding:.2rem 0}th,td{border-bottom:1px solid var(--line);padding:.3rem .45rem;text-align:left;vertical-align:top}thead th{font-size:.8rem;color:var(--muted);font-weight:600}
table.wide{background:var(--card);border:1px solid var(--line)}.num{text-align:right;font-variant-numeric:tabular-nums}.muted,.age,.id{color:var(--muted)}.name{font-weight:500}.what{max-width:28rem;overflow-wrap:anywhere}
a{color:var(--accent)}a[aria-current]{font-weight:700;text-decoration-thickness:2px}.alert,.alert a{color:var(--bad)}.ok{color:var(--good)}
.status{font-size:.75rem;padding:.1rem .5rem;border-radius:999px;background:#e5e7eb;vertical-align:middle}.status.active{background:#dcfce7;color:var(--good)}.status.needs_reauth{background:#fee2e2;color:var(--bad)}
.pill{font-size:.75rem;padding:.05rem .45rem;border-radius:999px;background:#eef2ff}.pill.failed{background:#fee2e2;color:var(--bad)}.pill.synced,.pill.created,.pill.updated{background:#dcfce7;color:var(--good)}.pill.review,.pill.held,.pill.pending{background:#fef9c3;color:var(--warn)}
dl.facts{margin:.2rem 0}dl.facts div{display:flex;justify-content:space-between;gap:.8rem;border-bottom:1px solid var(--line);padding:.25rem 0}dt{color:var(--muted)}dd{margin:0;text-align:right}meter{width:100%;height:.8rem}
.chart{margin:0 0 .6rem}.chart rect{fill:var(--accent)}.chart .axis{stroke:var(--line)}.chart .label{font-size:9px;fill:var(--muted)}figcaption{font-size:.8rem;color:var(--muted)}
.failure .count{background:#fee2e2;color:var(--bad);border-radius:999px;padding:0 .5rem;font-size:.8rem}.failure ul{margin:.3rem 0 0;padding-left:1.1rem}code{background:#f1f5f9;padding:.05rem .3rem;border-radius:4px}
.filters{display:flex;gap:.8rem;align-items:end;flex-wrap:wrap;margin:.3rem 0 .6rem}.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}select,input,button{font:inherit;padding:.25rem .45rem;border:1px solid #cbd5e1;border-radius:6px;background:#fff}button{background:var(--accent);color:#fff;border-color:var(--accent)}
.pager{display:flex;gap:1rem;align-items:center;margin:.4rem 0}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}`;

/** The whole page. */
export function renderHealthPage(report: HealthReport, options: RenderOptions = {}): string {
  const ctx: Context = {
    now: report.at,
    path: options.path ?? '/health',
    report,
    format: new Intl.DateTimeFormat('en-GB', {
      dateStyle: 'medium',
      timeStyle: 'medium',
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    }),
  };
  const selected = report.connections.find((c) => c.realmId === report.realmId);
  const others = report.connections.filter((c) => c !== selected);
  const timeline = report.customer
    ? `<section id="timeline" aria-labelledby="timeline-h"><h2 id="timeline-h">${escape(
        (() => {
          const name =
            selected?.recent.find((e) => e.qboId === report.customer?.qboId)?.name ??
            report.customer.timeline.find((e) => e.name)?.name;
          return `Customer ${name ? `${name} ` : ''}#${report.customer.qboId}: full history`;
        })(),
      )}</h2><p><a href="${pageHref(ctx, {})}">Back to the overview</a></p>${activityTable(`Every sync of customer ${report.customer.qboId}, newest first`, report.customer.timeline, report.customer.realmId, ctx)}</section>`
    : '';
  const nav =
    report.connections.length > 1
      ? `<nav aria-label="Connections"><p>Other connections: ${others.map((c) => `<a href="${escape(`${ctx.path}?realm=${encodeURIComponent(c.realmId)}`)}">${escape(c.companyName ?? c.realmId)} (realm ${escape(c.realmId)}, ${escape(c.counts.failed)} failing)</a>`).join(' · ')}</p></nav>`
      : '';
  const body = selected
    ? `${connectionSection(selected, ctx)}${nav}${failureSection(selected.failures, selected.realmId, ctx)}${pipedriveFindingsSection(selected, ctx)}${customersSection(selected, ctx)}<section aria-labelledby="recent-h"><h2 id="recent-h">Recent changes</h2>${activityTable('Recent changes (newest first, unchanged ones left out)', selected.recent, selected.realmId, ctx)}</section>`
    : '<p>No connection yet: run <code>ml-connector connect quickbooks</code>.</p>';
  const title = `${report.customer ? `Customer ${report.customer.qboId} · ` : ''}ml-connector · sync health`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta http-equiv="refresh" content="${String(REFRESH_SECONDS)}"><title>${escape(title)}</title><style>${STYLE}</style></head>
<body><header><h1>ml-connector · sync health</h1><p>As of ${time(report.at, ctx)}; this page refreshes every ${String(REFRESH_SECONDS)} s.</p></header><main>${timeline}${body}</main></body></html>`;
}
