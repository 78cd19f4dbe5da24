import { randomUUID } from 'node:crypto';
import { type ChaosReport, runChaos } from '../../bench/chaos/chaos';
import { dynamoEndpoint } from '../helpers/dynamodb';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { sqsEndpoint } from '../helpers/sqs';

const conformance = guardPipedriveConformance();

/**
 * Issue #8 in small: the same chaos run as `npm run chaos` (every fault at once, then CDC poll and
 * reconcile), with fewer customers, on the emulators the tests share.
 */
describe('the connector under chaos', () => {
  let report: ChaosReport;
  beforeAll(async () => {
    report = await runChaos({
      customers: 120,
      edits: 60,
      stormMs: 5000,
      outageTailMs: 20_000,
      quietTimeoutMs: 90_000,
      dynamoEndpoint: dynamoEndpoint(),
      sqsEndpoint: sqsEndpoint(),
      name: `chaos-${randomUUID().slice(0, 8)}`,
    });
  }, 170_000);

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

  it('can explain every dead letter by an injected fault, and its customer is in sync anyway', () => {
    for (const letter of report.checks.deadLetters.messages)
      expect(letter).toMatchObject({ explained: true, inSync: true });
  });

  it('sent only spec-valid requests to Pipedrive and got spec-valid answers (faults aside)', () => {
    conformance.expectConforming();
  });

  it('went quiet after every phase', () => {
    expect(report.checks.quiet.timedOut).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
