import { cpus } from 'node:os';
import type { ChaosReport } from './chaos';

const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/** The report for a person: phases, what was injected, what the sandboxes counted, and each check. */
export function formatReport(report: ChaosReport): string {
  const { checks, counters } = report;
  const lines = [
    '',
    `Chaos run ${report.ok ? 'PASSED' : 'FAILED'} in ${report.seconds} s`,
    `  load: ${report.load.busyLoops} busy loops of its own, ${report.load.latencyMs} ms added per request on both sandboxes; 1-minute load average ${report.load.loadAverage.mean} mean, ${report.load.loadAverage.max} max (${cpus().length} cores); outage, visibility and waits ×${report.load.slowdown}`,
    `  phases: ${Object.entries(report.phases)
      .map(([name, seconds]) => `${name} ${seconds} s`)
      .join(' · ')}`,
    `  QBO customers ${report.customers.qbo} (${report.customers.topLevel} top-level, ${report.customers.subCustomers} sub-customers, ${report.customers.mergedAway} merged away); Pipedrive organizations ${report.organizations}`,
    `  storm: ${Object.entries(report.storm.edits)
      .map(([kind, count]) => `${count} ${kind}`)
      .join(', ')}; ${report.storm.refused} refused by QBO`,
    ...(report.throttling
      ? [
          `  QBO throttled to ${report.throttling.perMinute}/min for ${report.throttling.seconds} s with ${report.throttling.renamed} renames waiting: ${report.throttling.qbo429} QBO 429s${report.throttling.drainedUnderLimit ? ', drained under the limit' : ', NOT drained under the limit'}`,
        ]
      : []),
    `  faults injected: ${Object.entries(report.faults)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ')}`,
    `  429s: QBO ${counters.qbo429}, Pipedrive ${counters.pipedrive429}; QBO refreshes ${counters.qboRefreshes} (rotations ${counters.qboRotations}, invalid_grant ${counters.qboInvalidGrant}); Pipedrive refreshes ${counters.pipedriveRefreshes}`,
    `  scheduled runs that failed and ran again: ${report.scheduleFailures.length > 0 ? report.scheduleFailures.join('; ') : 'none'}`,
    `  webhooks: ${counters.webhooksDelivered} events delivered, ${counters.webhooksDropped} dropped, ${counters.webhooksDuplicated} deliveries duplicated; ${counters.workerInvocations} worker invocations; ${counters.qboRequests} QBO API calls; ${Math.round(counters.logBytes / 1024)} KiB of logs captured`,
    '',
    `  [${mark(checks.inSync.ok)}] every QBO customer equals its Pipedrive organization: ${checks.inSync.checked - new Set(checks.inSync.mismatches.map((m) => m.qboId)).size}/${checks.inSync.checked} in sync`,
    ...checks.inSync.mismatches.slice(0, 20).map((m) => `           customer ${m.qboId}: ${m.problem}`),
    `  [${mark(checks.duplicates.ok)}] no duplicate organizations: ${checks.duplicates.duplicateQboIds.length} QBO ids on several, ${checks.duplicates.withoutQboId.length} without a QBO id, ${checks.duplicates.sharedOrgs.length} shared by customers`,
    ...checks.duplicates.details.map((detail) => `           ${detail}`),
    `  [${mark(checks.lockouts.ok)}] no invalid_grant lockouts: ${checks.lockouts.connections.map((c) => `${c.realmId} ${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ')}; invalid_grant answers ${checks.lockouts.invalidGrant}`,
    `  [${mark(checks.secrets.ok)}] no secrets in the logs: ${checks.secrets.scanned} issued secrets looked for${checks.secrets.leaked.length > 0 ? `; FOUND: ${checks.secrets.leaked.join(', ')}` : ''}`,
    `  [${mark(checks.deadLetters.ok)}] dead letters explained by an injected fault and an audit entry, none caused by a rate limit: ${checks.deadLetters.count} (${checks.deadLetters.causedByRateLimits} caused by rate limits)`,
    ...checks.deadLetters.messages.map(
      (letter) =>
        `           ${letter.queue} DLQ: ${letter.kind} ${letter.id} (customer ${letter.customer ?? '?'}; ${letter.inSync ? 'in sync after the reconcile' : 'NOT in sync'}): ${
          letter.reasons.map((reason) => `${reason.kind}: ${reason.error}`).join(' | ') || 'no recorded reason'
        }${letter.explained ? '' : ' — NOT an injected fault'}${letter.audited ? '' : ' — NO audit entry'}${letter.rateLimited ? ' — a RATE LIMIT spent a receive' : ''}`,
    ),
    `  [${mark(checks.quiet.ok)}] the pipeline went quiet after each phase${checks.quiet.timedOut.length > 0 ? `; timed out: ${checks.quiet.timedOut.join(', ')}` : ''}`,
    `  [${mark(checks.budget.ok)}] nothing waits for the next Pipedrive budget day: ${checks.budget.parked} message(s) parked for it; the run spent ${checks.budget.tokensSpent} tokens of the company's ${checks.budget.dailyBudget} a day`,
  ];
  return lines.join('\n');
}

/** The one-line JSON summary (counts, not lists). */
export function summaryJson(report: ChaosReport): string {
  const { checks } = report;
  return JSON.stringify({
    ok: report.ok,
    seconds: report.seconds,
    load: report.load,
    customers: report.customers,
    organizations: report.organizations,
    scheduleFailures: report.scheduleFailures,
    faults: report.faults,
    counters: report.counters,
    throttling: report.throttling,
    checks: {
      inSync: { ok: checks.inSync.ok, checked: checks.inSync.checked, mismatches: checks.inSync.mismatches.length },
      duplicates: { ok: checks.duplicates.ok },
      lockouts: { ok: checks.lockouts.ok, invalidGrant: checks.lockouts.invalidGrant },
      secrets: { ok: checks.secrets.ok, scanned: checks.secrets.scanned },
      deadLetters: {
        ok: checks.deadLetters.ok,
        count: checks.deadLetters.count,
        causedByRateLimits: checks.deadLetters.causedByRateLimits,
      },
      quiet: { ok: checks.quiet.ok },
      budget: { ok: checks.budget.ok, parked: checks.budget.parked, tokensSpent: checks.budget.tokensSpent },
    },
  });
}
