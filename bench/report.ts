import { QBO_RATE_LIMITS } from '../functions/quickbooks/client';
import type { BackfillFigures } from './phases/backfill';
import type { BundleFigures } from './phases/bundles';
import type { StackFigures } from './phases/local-stack';
import type { NaiveFigures } from './phases/naive';
import { POLL_INTERVAL_SECONDS, type RealmsFigures } from './phases/realms';
import type { BenchResult } from './shared/results';
import { percentile, round } from './shared/stats';

export interface AllFigures {
  stack: StackFigures;
  naive: NaiveFigures;
  backfill: BackfillFigures;
  bundles: BundleFigures[];
}

const per = (total: number, count: number, digits = 2) => round(total / Math.max(1, count), digits);
const count = (value: number) => value.toLocaleString('en-US');
/** The QBO client's own pacing per minute (under Intuit's 500). */
const QBO_PACED_PER_MINUTE = QBO_RATE_LIMITS.find((limit) => limit.windowMs === 60_000)?.limit ?? 500;

/** The change benchmarks on the local stack: tokens and QBO calls per change, and 429s. */
function changeResults(stack: AllFigures['stack'], naive: AllFigures['naive'] | undefined): BenchResult[] {
  // Without the naive phase (BENCH_PHASE=changes) the rows have no baseline.
  const baseline = (value: (n: AllFigures['naive']) => number) => (naive ? { baseline: value(naive) } : {});
  return [
    {
      name: 'Pipedrive tokens per changed customer (steady state, webhook)',
      value: per(stack.mapped.usage.pipedriveTokens, stack.mapped.changes),
      unit: 'tokens',
      ...baseline((n) => per(n.mapped.usage.pipedriveTokens, n.mapped.changes)),
      floor: '5 (one v2 PATCH; naive 25)',
      note: `${stack.mapped.changes} customers, one name change each`,
    },
    {
      name: 'Pipedrive tokens per event that changes no mapped field',
      value: per(stack.unmapped.usage.pipedriveTokens, stack.unmapped.changes),
      unit: 'tokens',
      ...baseline((n) => per(n.unmapped.usage.pipedriveTokens, n.unmapped.changes)),
      floor: '0 (content-hash skip)',
      note: `${stack.unmapped.changes} QBO Notes edits (Update webhooks)`,
    },
    {
      name: `QBO calls per change, burst of ${stack.burstWebhook.changes} in ${round(stack.burstWebhook.seconds, 0)} s, one webhook each`,
      value: per(stack.burstWebhook.usage.qboCalls, stack.burstWebhook.changes),
      unit: 'calls',
      ...baseline((n) => per(n.burst.usage.qboCalls, n.burst.changes)),
      floor: '≤0.12',
      note: "no aggregation (sandbox default): each delivery asks for an early poll; a realm's polls share CDC reads at most one per 2 s, and open invoices read earlier go again while the ledger has not moved (decision 66)",
    },
    {
      name: 'QBO calls per change, same burst in one aggregated webhook delivery',
      value: per(stack.burstAggregated.usage.qboCalls, stack.burstAggregated.changes),
      unit: 'calls',
      ...baseline((n) => per(n.burst.usage.qboCalls, n.burst.changes)),
      floor: '≤0.12',
      note: `as Intuit sends it in production (1–5 min aggregation); one early CDC poll reads the delivery (decisions 65, 66); ${per(stack.burstAggregated.usage.pipedriveTokens, stack.burstAggregated.changes)} Pipedrive tokens per change`,
    },
    {
      name: `QBO calls per change, same burst found by one CDC poll`,
      value: per(stack.burstCdc.usage.qboCalls, stack.burstCdc.changes),
      unit: 'calls',
      floor: '≤0.12',
      note: `CDC embeds the records and the poll the open invoices, read once or sent again from a snapshot while the ledger has not moved (decisions 65, 66): the worker reads nothing; ${per(stack.burstCdc.usage.pipedriveTokens, stack.burstCdc.changes)} Pipedrive tokens per change`,
    },
    {
      name: 'Pipedrive tokens per change in the burst (webhook)',
      value: per(stack.burstWebhook.usage.pipedriveTokens, stack.burstWebhook.changes),
      unit: 'tokens',
      ...baseline((n) => per(n.burst.usage.pipedriveTokens, n.burst.changes)),
      floor: '5',
    },
    {
      name: '429s received during the change benchmarks (local stack: Pipedrive + QBO)',
      value: [stack.mapped, stack.unmapped, stack.burstWebhook, stack.burstAggregated, stack.burstCdc].reduce(
        (sum, phase) => sum + phase.usage.pipedrive429s + phase.usage.qbo429s,
        0,
      ),
      unit: '',
      floor: '0',
      note: 'each function paces QBO on its own (8/s, 400/min); a 429 is retried after ~60 s',
    },
  ];
}

/** The backfill: tokens, calls, requests, redeliveries, deferrals and time, against the naive sync scaled up. */
function backfillResults(backfill: AllFigures['backfill'], naive: AllFigures['naive'] | undefined): BenchResult[] {
  // Without the naive phase (BENCH_PHASE=backfill) the rows have no baseline.
  const scale = backfill.customers / Math.max(1, naive?.sample ?? 1);
  const scaled = naive ? `; naive: ${naive.sample}-customer sample × ${round(scale, 1)}` : '';
  const baseline = (value: (n: AllFigures['naive']) => number) =>
    naive ? { baseline: Math.round(value(naive) * scale) } : {};
  const hours = (ms: number) => round(ms / 3_600_000, 2);
  return [
    {
      name: `Backfill ${backfill.customers.toLocaleString('en-US')}: Pipedrive tokens`,
      value: backfill.usage.pipedriveTokens,
      unit: 'tokens',
      ...baseline((n) => n.backfill.usage.pipedriveTokens),
      floor: '50,010 (v2, organizations only)',
      note: `${count(backfill.organizations)} organizations + ${count(backfill.persons)} contact persons created${scaled}`,
    },
    {
      name: 'Backfill: QBO calls',
      value: backfill.usage.qboCalls,
      unit: 'calls',
      ...baseline((n) => n.backfill.usage.qboCalls),
      floor: '10 (paged query)',
      note: 'one paged read of the customers and one of the open invoices (decision 60); no per-batch query',
    },
    {
      name: 'Backfill: 429s received (Pipedrive + QBO)',
      value: backfill.usage.pipedrive429s + backfill.usage.qbo429s,
      unit: '',
      ...baseline((n) => n.backfill.usage.pipedrive429s + n.backfill.usage.qbo429s),
      floor: '0',
    },
    {
      name: 'Backfill: queue redeliveries',
      value: backfill.queue.redelivered,
      unit: 'messages',
      floor: '0',
      note: failureNote(backfill.queue.failures),
    },
    {
      name: 'Backfill: messages deferred to the next budget day (parked, no receive spent)',
      value: backfill.queue.deferredForBudget,
      unit: 'messages',
    },
    {
      name: 'Backfill: messages dead-lettered (5 receives)',
      value: backfill.queue.deadLettered,
      unit: 'messages',
      floor: '0',
    },
    {
      name: 'Backfill: Pipedrive requests',
      value: backfill.usage.pipedriveRequests,
      unit: 'requests',
      ...baseline((n) => n.backfill.usage.pipedriveRequests),
      floor: '10,001 (1 list + 10,000 POST)',
    },
    {
      name: 'Backfill: sandbox time sending (excl. waiting for the next budget day)',
      value: round((backfill.elapsedMs - backfill.idleMs) / 1000, 0),
      unit: 's',
      ...(naive ? { baseline: round((naive.backfill.elapsedMs * scale) / 1000, 0) } : {}),
      floor: `500 s (10,000 creates at 20 req/s); for the calls made: Pipedrive ${round(backfill.usage.pipedriveRequests / 20, 0)} s at 20/s, QBO ${round((backfill.usage.qboCalls * 60) / QBO_PACED_PER_MINUTE, 0)} s at ${QBO_PACED_PER_MINUTE}/min`,
      note: 'sandbox time (virtual clock); the QBO client paces itself under 500/min',
    },
    {
      name: 'Backfill: elapsed sandbox time, end to end',
      value: hours(backfill.elapsedMs),
      unit: 'h',
      note: `budget share ${round(backfill.dailyLimit / 60_000, 2)} of 60,000 tokens/day; ${backfill.budgetDays} budget day(s)`,
    },
    {
      name: 'Backfill: budget days used (Growth, 1 seat)',
      value: backfill.budgetDays,
      unit: 'days',
      ...(naive ? { baseline: Math.ceil(Math.round(naive.backfill.usage.pipedriveTokens * scale) / 60_000) } : {}),
      floor: '1 (v2, organizations only: 83% of a day)',
    },
  ];
}

/** The webhook path: handler latency and end-to-end freshness. */
function webhookResults(stack: AllFigures['stack']): BenchResult[] {
  return [
    {
      name: 'Webhook handler latency p50 (in-process, warm)',
      value: round(percentile(stack.webhookLatencyMs, 50), 1),
      unit: 'ms',
      note: `${stack.webhookLatencyMs.length} signed one-event bodies`,
    },
    {
      name: 'Webhook handler latency p99 (in-process, warm)',
      value: round(percentile(stack.webhookLatencyMs, 99), 1),
      unit: 'ms',
      floor: 'p99 < 1,000 ms (Intuit: 3 s)',
    },
    {
      name: 'Freshness p50: QBO edit → Pipedrive organization updated',
      value: round(percentile(stack.freshnessMs, 50) / 1000, 2),
      unit: 's',
      note: `${stack.freshnessMs.length} edits on the local stack; sandbox webhooks have no batching window (Intuit batches 1–5 min)`,
    },
    {
      name: 'Freshness p95',
      value: round(percentile(stack.freshnessMs, 95) / 1000, 2),
      unit: 's',
    },
  ];
}

/** Each bundle's size and module load time. */
function bundleResults(bundles: AllFigures['bundles']): BenchResult[] {
  const results: BenchResult[] = [];
  for (const bundle of bundles) {
    results.push({
      name: `Bundle ${bundle.name}`,
      value: round(bundle.bytes / 1000, 0),
      unit: 'KB',
      floor: bundle.name === 'webhook' ? '≤150 KB' : '≤250 KB',
      note: 'cdk synth asset: minified CJS, @aws-sdk/* external',
    });
  }
  for (const bundle of bundles) {
    results.push({
      name: `Module load ${bundle.name}`,
      value: round(bundle.loadCpuMs, 0),
      unit: 'ms',
      floor: '≈250 ms (realistic function)',
      note: `CPU time, median of ${bundle.loadSamplesMs.length} fresh node ${bundle.node} processes; wall ${round(bundle.loadMs, 0)} ms`,
    });
  }
  return results;
}

/** Every figure, with its naive baseline and floor (docs/performance.md#the-floors) where there is one. */
export function buildResults({ stack, naive, backfill, bundles }: AllFigures): BenchResult[] {
  return [
    ...changeResults(stack, naive),
    ...backfillResults(backfill, naive),
    ...webhookResults(stack),
    ...bundleResults(bundles),
  ];
}

/** Only the backfill's figures (`BENCH_PHASE=backfill`), without the naive baseline. */
export function backfillPhaseResults(backfill: BackfillFigures): BenchResult[] {
  return backfillResults(backfill, undefined);
}

/** Only the local stack's figures (`BENCH_PHASE=changes`): changes, bursts, webhook latency and freshness. */
export function stackResults(stack: StackFigures): BenchResult[] {
  return [...changeResults(stack, undefined), ...webhookResults(stack)];
}

function failureNote(failures: Record<string, number>): string {
  const parts = Object.entries(failures).map(([reason, count]) => `${reason} ×${count}`);
  return parts.length > 0 ? `failed receives: ${parts.join(', ')}` : 'no failed receive';
}

/** Many QBO companies in one deployment: a scheduled round against the schedule (decision 38). */
export function realmResults(figures: RealmsFigures): BenchResult[] {
  const setup = `${figures.realms} realms × ${figures.customersPerRealm} customers, one unit per realm, ${figures.concurrency} at once (wall clock, QBO sandbox, DynamoDB Local)`;
  return [
    {
      name: `Poll round of ${figures.realms} realms (CDC, ${figures.editedRealms} with a change)`,
      value: figures.poll.seconds,
      unit: 's',
      floor: `well inside the ${POLL_INTERVAL_SECONDS / 60}-minute poll interval (${POLL_INTERVAL_SECONDS} s)`,
      note: `${setup}; ${figures.poll.enqueued} changes enqueued, ${figures.poll.qboCalls} QBO calls; slowest unit ${figures.poll.slowestUnitSeconds} s; first round (cursors set) ${figures.firstPoll.seconds} s`,
    },
    {
      name: `Reconcile round of ${figures.realms} realms`,
      value: figures.reconcile.seconds,
      unit: 's',
      floor: 'daily; each unit inside the 5-minute function timeout',
      note: `${setup}; ${figures.reconcile.enqueued} customers enqueued (no links yet: all missing), ${figures.reconcile.qboCalls} QBO calls; slowest unit ${figures.reconcile.slowestUnitSeconds} s`,
    },
  ];
}
