import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as z from 'zod';
import { startLocalStack } from '../../local/stack/local-stack';
import { tableNamed } from '../../functions/store/table-client';
import { ConnectionStore } from '../../functions/store/connections';
import { LinkStore } from '../../functions/store/link-store';
import { startCpuLoad } from './cpu-load';
import { ParkingStore } from '../../functions/store/parking-store';
import { dailyTokenBudget } from '../../functions/pipedrive/plans';
import { convergence, duplicates, leakedSecrets, type LinkRow, type Mismatch } from './checks';
import { expectedCustomers } from './expected';
import { CHAOS_HTTP_TIMEOUT_MS, CHAOS_PENDING_STALE_AFTER_MS, injectFaults } from './faults';
import { chaosCounters, type DeadLetterReport, deadLetterReports, knownSecrets } from './findings';
import { captureOutput } from './log-capture';
import { sqsFor, waitForQuiet } from './queues';
import { explainRetries } from './retry-reasons';
import { runStorm, type StormSummary } from './storm';
import { runThrottling, type ThrottlingOptions, type ThrottlingSummary } from './throttling';

export interface ChaosOptions {
  customers: number;
  /** QBO edits in the storm; half the customers by default. */
  edits?: number;
  /** Real milliseconds the storm is spread over. */
  stormMs?: number;
  /** How long the outage goes on after the storm (the pipeline keeps working under faults); 120 s by default. */
  outageTailMs?: number;
  /** Longest wait for the pipeline to go quiet, per phase after the outage. */
  quietTimeoutMs?: number;
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  name?: string;
  /** Busy-loop processes beside the run for its whole length (issue #13's CPU load); none by default. */
  cpuLoad?: number;
  /** Added milliseconds on every request to both sandboxes that no other fault takes; none by default. */
  latencyMs?: number;
  /** Issue #13's phase after the reconcile: QBO held to `perMinute` for `durationMs` with a backlog of renames. */
  throttling?: Omit<ThrottlingOptions, 'realmId'>;
  /** Progress lines for the person watching (never captured). */
  progress?: (line: string) => void;
  /**
   * Seats of the sandbox's Pipedrive company (growth plan), so the connector's share of the daily
   * token budget covers the run: work deferred to the next budget day is decision 27's, tested on its own.
   */
  pipedriveSeats?: number;
  /** Where to keep the handlers' captured log (JSON lines), to follow one customer's messages afterwards. */
  logFile?: string;
}

const ScheduleAnswer = z.object({
  connections: z.array(z.looseObject({ realmId: z.string(), error: z.string().optional() })),
});

export interface ChaosReport {
  ok: boolean;
  /** The load the run was under: its own busy loops and added latency, and the machine's 1-minute load average. */
  load: { busyLoops: number; latencyMs: number; slowdown: number; loadAverage: { mean: number; max: number } };
  /** CDC polls and reconciles that failed and ran again (as the next scheduled run would). */
  scheduleFailures: string[];
  seconds: number;
  phases: Record<string, number>;
  customers: { qbo: number; topLevel: number; subCustomers: number; mergedAway: number };
  organizations: number;
  storm: StormSummary;
  throttling: ThrottlingSummary | undefined;
  faults: Record<string, number>;
  counters: {
    qboRequests: number;
    qbo429: number;
    pipedrive429: number;
    qboRefreshes: number;
    qboRotations: number;
    qboInvalidGrant: number;
    pipedriveRefreshes: number;
    webhooksDropped: number;
    webhooksDuplicated: number;
    webhooksDelivered: number;
    workerInvocations: number;
    logBytes: number;
  };
  checks: {
    inSync: { ok: boolean; checked: number; mismatches: Mismatch[] };
    duplicates: {
      ok: boolean;
      duplicateQboIds: string[];
      withoutQboId: number[];
      sharedOrgs: number[];
      details: string[];
    };
    lockouts: {
      ok: boolean;
      connections: { realmId: string; status: string; reason?: string | undefined }[];
      invalidGrant: number;
    };
    secrets: { ok: boolean; scanned: number; leaked: string[] };
    deadLetters: { ok: boolean; count: number; causedByRateLimits: number; messages: DeadLetterReport[] };
    quiet: { ok: boolean; timedOut: string[] };
    /** Nothing waits for the next Pipedrive budget day: the run's budget was large enough for it. */
    budget: { ok: boolean; parked: number; tokensSpent: number; dailyBudget: number };
  };
}

/** The settings the chaos run gives the handlers; returns what puts the previous ones back. */
function setChaosEnvironment(): () => void {
  const chaosEnvironment = {
    HTTP_TIMEOUT_MS: String(CHAOS_HTTP_TIMEOUT_MS),
    POWERTOOLS_LOG_LEVEL: 'INFO',
    PENDING_STALE_AFTER_MS: String(CHAOS_PENDING_STALE_AFTER_MS),
  };
  const previousEnvironment = Object.fromEntries(Object.keys(chaosEnvironment).map((key) => [key, process.env[key]]));
  Object.assign(process.env, chaosEnvironment);
  return () => {
    for (const [key, value] of Object.entries(previousEnvironment)) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
  };
}

/** The reconcile comes a day later in production: by then a claim left by a dead-lettered create is stale. */
async function untilClaimsAreStale(table: ReturnType<typeof tableNamed>, realmId: string): Promise<void> {
  let youngestClaim = 0;
  for await (const page of new LinkStore(table).list(realmId))
    for (const link of page)
      if (link.state === 'pending') youngestClaim = Math.max(youngestClaim, link.pendingSince ?? 0);
  const staleAt = youngestClaim + CHAOS_PENDING_STALE_AFTER_MS + 500;
  if (staleAt > Date.now()) await new Promise((resolve) => setTimeout(resolve, staleAt - Date.now()));
}

/**
 * Issue #8's chaos run: the real connector on the local stack under every fault at once, then the
 * outage ends, the CDC poll and the reconcile run, and the end state is checked against QBO.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const progress = options.progress ?? (() => undefined);
  // On a loaded machine every step takes longer in wall time: the outage, the visibility timeout (the
  // local stack cannot stop a slow handler as Lambda would) and the waits for quiet are stretched by
  // the load per core (1 to 8), measured before the run, its own busy loops included. The checks are not.
  const slowdown =
    Math.round(Math.min(8, Math.max(1, ((loadavg()[0] ?? 0) + (options.cpuLoad ?? 0)) / cpus().length)) * 10) / 10;
  const quietTimeoutMs = (options.quietTimeoutMs ?? 600_000) * slowdown;
  const seats = options.pipedriveSeats ?? 1;
  const phases: Record<string, number> = {};
  let phaseStart = Date.now();
  const phase = (name: string) => {
    phases[name] = Math.round((Date.now() - phaseStart) / 100) / 10;
    phaseStart = Date.now();
    progress(`${name}: ${phases[name]} s`);
  };
  const cpuLoad = startCpuLoad(options.cpuLoad ?? 0);
  const loadSamples: number[] = [];
  const sampleLoad = () => loadSamples.push(loadavg()[0] ?? 0);
  sampleLoad();
  const sampler = setInterval(sampleLoad, 5000);
  sampler.unref();
  const stopLoad = async () => {
    clearInterval(sampler);
    await cpuLoad.stop();
  };
  const capture = captureOutput();
  const restoreEnvironment = setChaosEnvironment();
  const restore = () => {
    capture.stop();
    restoreEnvironment();
  };
  const stack = await startLocalStack({
    qboSeedCount: options.customers,
    pipedriveSeats: seats,
    pollIntervalMs: 20_000,
    visibilityTimeoutSeconds: Math.round(30 * slowdown),
    retryTimeScale: 1 / 30,
    // The sandboxes answer with realistic latency, so throttling comes from load, not a 0 ms server.
    sandboxLatency: true,
    ...(options.dynamoEndpoint ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    ...(options.sqsEndpoint ? { sqsEndpoint: options.sqsEndpoint } : {}),
    ...(options.name ? { name: options.name } : {}),
  }).catch(async (error: unknown) => {
    restore();
    await stopLoad();
    throw error;
  });
  const sqs = sqsFor(process.env.AWS_ENDPOINT_URL_SQS ?? '');
  const timedOut: string[] = [];
  const table = tableNamed(stack.tableName);
  // Work parked for QBO throttling is not done yet: quiet means none is left.
  let parked: () => Promise<number> = () => Promise.resolve(0);
  const report = (busy: string) => {
    progress(busy);
  };
  const settledAs = (timeoutMs: number) => waitForQuiet(stack, sqs, timeoutMs, { parked, report });
  const settled = async (timeoutMs: number) => (await settledAs(timeoutMs)).ok;
  const quiet = async (name: string) => {
    const result = await settledAs(quietTimeoutMs);
    if (!result.ok) timedOut.push(`${name} (still busy: ${result.busy})`);
    phase(name);
  };
  try {
    const { realmId } = await stack.connect();
    const parking = new ParkingStore(table);
    parked = () => parking.count(realmId, 'throttle');
    phase('start and connect');
    // A small run on a loaded machine batches more and calls QBO less: its tokens die sooner, so every run refreshes and rotates.
    const faults = injectFaults(stack, {
      latencyMs: options.latencyMs ?? 0,
      accessTokenMaxUses: Math.min(100, Math.max(20, Math.round(options.customers / 4))),
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await stack.invoke('backfill', { realmId, dryRun: false });
        break;
      } catch (error) {
        // The operator runs it again a moment later, as after any failed backfill.
        if (attempt >= 30) throw error;
        progress(
          `backfill attempt ${attempt} failed (${error instanceof Error ? error.message : String(error)}); again`,
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    phase('backfill');
    const storm = await runStorm(stack, {
      realmId,
      edits: options.edits ?? Math.ceil(options.customers / 2),
      durationMs: options.stormMs ?? 10_000,
    });
    phase('storm');
    // Outages end whether or not the work has caught up: the faults stop once the pipeline is quiet or the outage's time is up.
    await settled((options.outageTailMs ?? 120_000) * slowdown);
    phase('rest of the outage');
    faults.stop();
    await quiet('drain after the outage');
    // A poll or reconcile that fails (QBO throttles it while the workers catch up) runs again, as the next schedule would.
    const scheduleFailures: string[] = [];
    const schedule = async (mode: 'poll' | 'reconcile') => {
      for (let run = 1; run <= 5; run++) {
        const answer = ScheduleAnswer.parse(await stack.invoke('cdcPoll', { mode }));
        const failed = answer.connections.filter((c) => c.error !== undefined).map((c) => `${mode}: ${c.error ?? ''}`);
        if (failed.length === 0) return;
        scheduleFailures.push(...failed);
        progress(`${mode} failed (${failed.join(', ')}); it runs again`);
        await settled(quietTimeoutMs);
      }
    };
    await schedule('poll');
    await quiet('CDC poll');
    // The reconcile comes a day later in production: by then a claim left by a dead-lettered create is stale.
    await untilClaimsAreStale(table, realmId);
    phase('create claims go stale');
    await schedule('reconcile');
    await quiet('reconcile');

    // After the reconcile, so nothing but the queues, the deferral and the scheduled poll brings the renames across.
    let throttling: ThrottlingSummary | undefined;
    if (options.throttling) {
      progress(
        `QBO throttled to ${String(options.throttling.perMinute)}/min for ${String(Math.round(options.throttling.durationMs / 1000))} s with ${String(options.throttling.backlog)} renames waiting…`,
      );
      throttling = await runThrottling(stack, { realmId, ...options.throttling }, settled, quietTimeoutMs);
      phase(`QBO throttled at ${String(options.throttling.perMinute)}/min`);
      await quiet('drain after the throttling');
    }

    const links = new Map<string, LinkRow>();
    for await (const page of new LinkStore(table).list(realmId)) for (const link of page) links.set(link.qboId, link);
    const connections = await new ConnectionStore(table).list();
    const connection = connections.find((c) => c.realmId === realmId);
    const fields = { fieldKeys: connection?.fieldKeys ?? {}, fieldOptions: connection?.fieldOptions ?? {} };
    const company = stack.qbo.state.requireCompany(realmId);
    const expected = expectedCustomers(company, Date.now());
    const inSync = convergence(expected, links, stack.pipedrive, fields);
    const dupes = duplicates(stack.pipedrive, links, fields);
    const mismatched = new Set(inSync.mismatches.map((m) => m.qboId));

    const output = capture.text();
    if (options.logFile) writeFileSync(options.logFile, output);
    const secrets = knownSecrets(stack);
    const store = stack.pipedrive.store;
    const leaked = leakedSecrets(output, secrets);

    const reasons = explainRetries(output);
    const parkedForBudget = await new ParkingStore(table).count(realmId, 'budget');
    const tokens = {
      tokensSpent: Object.values(stack.pipedrive.budget.ledger()).reduce((sum, spent) => sum + spent, 0),
      dailyBudget: dailyTokenBudget('growth', seats),
    };
    const dead = await deadLetterReports(stack, sqs, table, { company, reasons, mismatched });

    const qboCounters = stack.qbo.state.counters;
    const applied = faults.applied();
    const report: ChaosReport = {
      ok: false,
      load: {
        busyLoops: cpuLoad.processes,
        latencyMs: options.latencyMs ?? 0,
        slowdown,
        loadAverage: {
          mean: Math.round((loadSamples.reduce((sum, x) => sum + x, 0) / loadSamples.length) * 10) / 10,
          max: Math.round(Math.max(...loadSamples) * 10) / 10,
        },
      },
      scheduleFailures,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      phases,
      customers: {
        qbo: expected.mapped.size + expected.subCustomers.size,
        topLevel: expected.mapped.size,
        subCustomers: expected.subCustomers.size,
        mergedAway: expected.deleted.size,
      },
      organizations: [...store.organizations.values()].filter((o) => !o.is_deleted).length,
      storm,
      throttling,
      faults: applied,
      counters: { ...chaosCounters(stack, applied), logBytes: output.length },
      checks: {
        inSync: { ok: inSync.mismatches.length === 0, ...inSync },
        duplicates: {
          ok: dupes.duplicateQboIds.length + dupes.withoutQboId.length + dupes.sharedOrgs.length === 0,
          ...dupes,
        },
        lockouts: {
          ok: connections.every((c) => c.status === 'active') && qboCounters.get('oauth.invalid_grant') === 0,
          connections: connections.map((c) => ({ realmId: c.realmId, status: c.status, reason: c.statusReason })),
          invalidGrant: qboCounters.get('oauth.invalid_grant'),
        },
        secrets: { ok: leaked.length === 0 && secrets.size > 0, scanned: secrets.size, leaked },
        deadLetters: {
          ok: dead.every((letter) => letter.explained && letter.inSync && letter.audited && !letter.rateLimited),
          count: dead.length,
          causedByRateLimits: dead.filter((letter) => letter.rateLimited).length,
          messages: dead,
        },
        quiet: { ok: timedOut.length === 0, timedOut },
        budget: { ok: parkedForBudget === 0, parked: parkedForBudget, ...tokens },
      },
    };
    report.ok = Object.values(report.checks).every((check) => check.ok);
    return report;
  } finally {
    await stack.close();
    restore();
    await stopLoad();
  }
}
