import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { parseConnectorConfig, removalPolicyOf } from '../../lib/config';
import { buildConnector } from './synth';

describe('connector configuration from CDK context', () => {
  it('fills every setting with its documented default', () => {
    expect(parseConnectorConfig({})).toEqual({
      pollSchedule: 'rate(15 minutes)',
      pipedrivePlan: 'growth',
      pipedriveSeats: 1,
      budgetShare: 0.5,
      qboMonthlyCallCap: 500_000,
      pipedriveBlockMinutes: 60,
      subCustomers: 'rollup',
      mergeRule: 'merge',
      pipedriveDeletedRule: 'exclude',
      pipedriveDriftRule: 'rewrite',
      pipedrivePersonRule: 'report',
      pipedriveWebhooks: 'on',
      logLevel: 'INFO',
      auditRetentionDays: 90,
      removalPolicy: 'retain',
    });
  });

  it('retains data unless destroy is asked for', () => {
    expect(removalPolicyOf(parseConnectorConfig({}))).toBe(RemovalPolicy.RETAIN);
    expect(removalPolicyOf(parseConnectorConfig({ removalPolicy: 'destroy' }))).toBe(RemovalPolicy.DESTROY);
  });

  it('accepts numbers given as strings on the command line', () => {
    const config = parseConnectorConfig({ pipedriveSeats: '3', budgetShare: '0.25', auditRetentionDays: '30' });
    expect(config).toMatchObject({ pipedriveSeats: 3, budgetShare: 0.25, auditRetentionDays: 30 });
  });

  it.each([
    ['pollSchedule', 'every 15 minutes'],
    ['pipedrivePlan', 'enterprise'],
    ['pipedriveSeats', 0],
    ['pipedriveSeats', 1.5],
    ['budgetShare', 0],
    ['budgetShare', 1.5],
    ['pipedriveBlockMinutes', 0],
    ['pipedriveBlockMinutes', 2000],
    ['subCustomers', 'merge'],
    ['mergeRule', 'rollup'],
    ['alarmEmail', 'not-an-address'],
    ['logLevel', 'TRACE'],
    ['auditRetentionDays', -1],
    ['removalPolicy', 'snapshot'],
  ])('rejects %s = %p', (key, value) => {
    expect(() => parseConnectorConfig({ [key]: value })).toThrow(new RegExp(`invalid ml-connector context: ${key}`));
  });
});

describe('configuration in the stack', () => {
  it('hands the Pipedrive block length to every function that calls Pipedrive', () => {
    const { stack } = buildConnector({ context: { pipedriveBlockMinutes: '90' } });
    const template = Template.fromStack(stack);
    for (const name of ['worker', 'operations', 'backfill', 'cdcPoll'] as const) {
      const cfn = stack.functions.all[name].node.defaultChild;
      if (!(cfn instanceof CfnFunction)) throw new Error(`${name} has no CfnFunction`);
      expect(template.findResources('AWS::Lambda::Function')[stack.getLogicalId(cfn)]).toMatchObject({
        Properties: { Environment: { Variables: { PIPEDRIVE_BLOCK_MINUTES: '90' } } },
      });
    }
  });

  it('fails synthesis with one clear line when qboClientId is missing', () => {
    expect(() => buildConnector({ context: { qboClientId: undefined } })).toThrow(
      /^ml-connector: context qboClientId \(the Intuit app's client id\) is required: cdk deploy -c qboClientId=\.\.\.$/,
    );
  });

  it('`cdk synth` (bin/app.ts) prints that one line and exits 1, without a stack trace', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'ml-connector-synth-'));
    try {
      const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/app.ts'], {
        cwd: join(__dirname, '..', '..'),
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: '{}' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([
        "ml-connector: context qboClientId (the Intuit app's client id) is required: cdk deploy -c qboClientId=...",
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('fails synthesis on a bad context value, naming it', () => {
    expect(() => buildConnector({ context: { budgetShare: 2 } })).toThrow(/budgetShare/);
  });

  it('sizes the budget alarm from the plan, seats and share in context', () => {
    const { stack } = buildConnector({
      context: { pipedrivePlan: 'premium', pipedriveSeats: '2', budgetShare: '0.25' },
    });
    // 30,000 × 5 (premium) × 2 seats × 0.25 share × 80 %
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PipedriveTokensSpent',
      Threshold: 60_000,
    });
  });

  it('sets the Lambda application log level to the Powertools level', () => {
    const { stack } = buildConnector({ context: { logLevel: 'DEBUG' } });
    Template.fromStack(stack).resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG' },
        Environment: { Variables: Match.objectLike({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }) },
      },
      7,
    );
  });

  it('lets the table be destroyed with the stack only when asked', () => {
    const { stack } = buildConnector({ context: { removalPolicy: 'destroy' } });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });
});
