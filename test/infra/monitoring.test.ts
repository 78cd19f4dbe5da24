import { Match } from 'aws-cdk-lib/assertions';
import { METRICS } from '../../functions/shared/metric-names';
import { connectorTemplate } from './synth';

const { template } = connectorTemplate();
const withEmail = connectorTemplate({ context: { alarmEmail: 'ops@example.com' } }).template;

const topicAction = { AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }] };

describe('alarms', () => {
  it.each([
    [METRICS.needsReauth, 1],
    [METRICS.failed, 1],
    [METRICS.tokenRefreshFailures, 1],
  ])('alarm on %s from the connector namespace', (metricName, threshold) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'MlConnector',
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: 'ml-connector' }],
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      ...topicAction,
    });
  });

  it('alarms when a day of Pipedrive spend passes 80% of the share (growth, 1 seat, half: 24,000)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRICS.pipedriveTokens,
      Statistic: 'Sum',
      Period: 86_400,
      Threshold: 24_000,
      ...topicAction,
    });
  });

  it('alarms on any message in a dead-letter queue (changes, bulk, scheduled units, schedules, failed scheduled runs)', () => {
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, ...topicAction },
      5,
    );
  });

  it('alarms on the age of the oldest message in each queue', () => {
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', ...topicAction },
      3,
    );
  });

  it('alarms on worker errors', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('FunctionsWorker') } }],
      ...topicAction,
    });
  });

  it('alarms on API Gateway 5xx', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      ...topicAction,
    });
  });
});

describe('no failure of a scheduled function goes unseen', () => {
  const failedRuns = { 'Fn::GetAtt': [Match.stringLikeRegexp('SchedulesFailedRuns'), 'Arn'] };

  it.each(['FunctionsCdcPoll', 'FunctionsTokenUpkeep'])(
    '%s: retried twice by Lambda, then sent to the failed-runs queue, which alarms',
    (fn) => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp(fn) },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: failedRuns } },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(fn) } }],
        Threshold: 1,
        ...topicAction,
      });
    },
  );

  it('alarms when no poll read every connection for an hour, treating silence as breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'MlConnector',
      MetricName: METRICS.pollSucceeded,
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      ...topicAction,
    });
  });

  it('stretches the heartbeat window to three polls for a slower schedule', () => {
    const slow = connectorTemplate({ context: { pollSchedule: 'rate(2 hours)' } }).template;
    slow.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: METRICS.pollSucceeded, Period: 6 * 3600 });
  });

  it('alarms when a connection is moved to another company or realm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRICS.connectionsChanged,
      Threshold: 1,
      ...topicAction,
    });
  });

  it('shows the heartbeat, failed runs and replaced connections on the dashboard', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboards);
    for (const name of [METRICS.pollSucceeded, METRICS.connectionsChanged, METRICS.webhookUnreadable])
      expect(body).toContain(name);
    expect(body).toMatch(/SchedulesFailedRuns/);
  });
});

describe('alarm topic', () => {
  it('refuses publishes that are not over TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets CloudWatch use the data key to publish to it', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Effect: 'Allow' }),
        ]),
      },
    });
  });

  it('has no e-mail subscription unless an address is configured', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('dashboard', () => {
  it('exists and is linked from the outputs', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasOutput('DashboardUrl', {});
  });
});
