import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type ChaosReport, runChaos } from '../../bench/chaos/chaos';
import { formatReport } from '../../bench/chaos/report';
import { dynamoEndpoint } from '../helpers/dynamodb';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { guardQuickBooksConformance } from '../helpers/quickbooks-conformance-guard';
import { sqsEndpoint } from '../helpers/sqs';

const conformance = guardPipedriveConformance();
const qboConformance = guardQuickBooksConformance();

/**
 * `CHAOS_CPU_LOAD=N` / `CHAOS_LATENCY_MS=MS`: the run's own busy loops and added latency (issue #13);
 * none by default. `CHAOS_REPORT_FILE=path` writes the readable report there, `CHAOS_LOG_FILE=path` the
 * functions' logs.
 */
function knob(name: string, max: number): number {
  const value = Number(process.env[name] ?? 0);
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`${name} must be a whole number up to ${max}`);
  return value;
}

/**
 * Issue #8 in small: the same chaos run as `npm run chaos` (every fault at once, then CDC poll and
 * reconcile), with fewer customers, on the emulators the tests share. On a loaded machine the run
 * stretches its outage and its waits by the load per core (runChaos); the checks stay the same.
 */
describe('the connector under chaos', () => {
  let report: ChaosReport;
  beforeAll(async () => {
    report = await runChaos({
      customers: 120,
      edits: 60,
      stormMs: 5000,
      outageTailMs: 20_000,
      cpuLoad: knob('CHAOS_CPU_LOAD', 8),
      latencyMs: knob('CHAOS_LATENCY_MS', 1000),
      quietTimeoutMs: 150_000,
      // Issue #13 in small: QBO at 120/min for 10 s with 60 renames waiting (the full run: 10 minutes, 1,500).
      throttling: { perMinute: 120, durationMs: 10_000, backlog: 60 },
      dynamoEndpoint: dynamoEndpoint(),
      sqsEndpoint: sqsEndpoint(),
      name: `chaos-${randomUUID().slice(0, 8)}`,
      ...(process.env.CHAOS_LOG_FILE ? { logFile: process.env.CHAOS_LOG_FILE } : {}),
    });
    // The whole report, for a person looking into a failed run.
    if (process.env.CHAOS_REPORT_FILE) writeFileSync(process.env.CHAOS_REPORT_FILE, formatReport(report));
    // The waits lengthen on a loaded machine; the checks below do not weaken.
  }, 1_800_000);

  it('injected every kind of fault', () => {
    for (const kind of ['qbo 5xx', 'pipedrive 5xx', 'pipedrive lost create response', 'qbo 429 burst'])
      expect(report.faults[kind]).toBeGreaterThan(0);
    expect(report.counters.qboRotations).toBeGreaterThan(0);
    expect(report.counters.webhooksDropped).toBeGreaterThan(0);
  });

  it('ends with every QBO customer equal to its Pipedrive organization', () => {
    expect(report.checks.inSync.mismatches).toEqual([]);
    expect(report.checks.inSync.checked).toBeGreaterThanOrEqual(100);
  });

  it('made no duplicate organization', () => {
    expect(report.checks.duplicates).toMatchObject({ duplicateQboIds: [], withoutQboId: [], sharedOrgs: [] });
  });

  it('never locked a connection out with invalid_grant', () => {
    expect(report.checks.lockouts).toMatchObject({ ok: true, invalidGrant: 0 });
  });

  it('wrote none of the issued tokens and secrets to the logs', () => {
    expect(report.checks.secrets.leaked).toEqual([]);
    expect(report.checks.secrets.scanned).toBeGreaterThan(5);
  });

  it('can explain every dead letter by an injected fault and an audit entry, and its customer is in sync anyway', () => {
    for (const letter of report.checks.deadLetters.messages)
      expect(letter).toMatchObject({ explained: true, inSync: true, audited: true });
  });

  it('spent no message’s receives on rate limits, through sustained QBO throttling with a backlog', () => {
    expect(report.throttling?.renamed).toBe(60);
    expect(report.throttling?.qbo429).toBeGreaterThan(0);
    expect(report.checks.deadLetters.causedByRateLimits).toBe(0);
    for (const letter of report.checks.deadLetters.messages) expect(letter.rateLimited).toBe(false);
  });

  it('sent only spec-valid requests to Pipedrive and got spec-valid answers (faults aside)', () => {
    conformance.expectConforming();
  });

  it('sent QuickBooks only requests that FACTS documents (endpoints, parameters, query grammar)', () => {
    qboConformance.expectConforming();
  });

  it('went quiet after every phase', () => {
    expect(report.checks.quiet.timedOut).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
