import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnKey } from 'aws-cdk-lib/aws-kms';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import * as z from 'zod';
import { LINK_STATE_INDEX, LISTING_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../../functions/store/table-schema';
import { connectorTemplate } from './synth';

const { stack, template } = connectorTemplate();

function logicalIdOf(construct: IConstruct): string {
  const child = construct.node.defaultChild;
  if (!(
    child instanceof CfnKey ||
    child instanceof CfnTable ||
    child instanceof CfnFunction ||
    child instanceof CfnQueue
  )) {
    throw new Error(`no CloudFormation resource under ${construct.node.path}`);
  }
  return Stack.of(construct).getLogicalId(child);
}
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalIdOf(construct), 'Arn'] });

const { tokenKey, dataKey } = stack.keys;
const { changes, bulk, schedule } = stack.queues;

describe('encryption at rest', () => {
  it('rotates both customer-managed keys', () => {
    template.resourceCountIs('AWS::KMS::Key', 2);
    template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts the table with the data key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf(dataKey) },
    });
  });

  it('encrypts every queue with the data key, not the token key', () => {
    template.allResourcesProperties('AWS::SQS::Queue', { KmsMasterKeyId: arnOf(dataKey) });
  });

  it('encrypts the alarm topic with the data key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(dataKey) });
  });
});

describe('table', () => {
  it('has the key schema, listing and link-state indexes and TTL the functions use', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_KEYS.partition, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sort, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: LISTING_INDEX.name,
          KeySchema: [
            { AttributeName: LISTING_INDEX.partition, KeyType: 'HASH' },
            { AttributeName: LISTING_INDEX.sort, KeyType: 'RANGE' },
          ],
        }),
        Match.objectLike({
          IndexName: LINK_STATE_INDEX.name,
          KeySchema: [
            { AttributeName: LINK_STATE_INDEX.partition, KeyType: 'HASH' },
            { AttributeName: LINK_STATE_INDEX.sort, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...LINK_STATE_INDEX.projected] },
        }),
      ],
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('has point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('is retained and protected when the stack is deleted', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });
});

describe('queues', () => {
  it.each([
    ['changes', changes],
    ['bulk', bulk],
  ])('redrives %s to its FIFO dead-letter queue after 5 receives', (_name, pair) => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      RedrivePolicy: { deadLetterTargetArn: arnOf(pair.deadLetterQueue), maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, RedrivePolicy: Match.absent() });
    expect(logicalIdOf(pair.queue)).not.toEqual(logicalIdOf(pair.deadLetterQueue));
  });

  it('keeps each message invisible for at least six timeouts of the function that consumes it', () => {
    const timeoutOf = (fn: IConstruct) =>
      z
        .object({ Properties: z.object({ Timeout: z.number() }) })
        .parse(template.findResources('AWS::Lambda::Function', {})[logicalIdOf(fn)]).Properties.Timeout;
    const visibilityOf = (queue: IConstruct) =>
      z
        .object({ Properties: z.object({ VisibilityTimeout: z.number() }) })
        .parse(template.findResources('AWS::SQS::Queue', {})[logicalIdOf(queue)]).Properties.VisibilityTimeout;
    const queues = template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } });
    expect(Object.keys(queues)).toHaveLength(3);
    for (const queue of [changes.queue, bulk.queue])
      expect(visibilityOf(queue)).toBeGreaterThanOrEqual(6 * timeoutOf(stack.functions.worker));
    expect(visibilityOf(schedule.queue)).toBeGreaterThanOrEqual(6 * timeoutOf(stack.functions.cdcPoll));
  });

  it('refuses requests that are not over TLS', () => {
    // changes, bulk, schedule, their dead-letter queues, the schedules' dead-letter queue and the failed-runs queue
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      8,
    );
  });
});

describe('worker event sources', () => {
  it.each([
    ['changes', 5, changes.queue],
    ['bulk', 2, bulk.queue],
  ] as const)('reads %s in batches of 10, reporting item failures, at most %d at once', (_name, limit, queue) => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(queue),
      FunctionName: { Ref: logicalIdOf(stack.functions.worker) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: limit },
    });
  });
});

describe('functions', () => {
  it('run Node.js 24 on arm64 with Powertools settings and source maps', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'ml-connector',
            POWERTOOLS_METRICS_NAMESPACE: 'MlConnector',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      },
      7,
    );
  });

  it('log to groups with a retention period', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('pass secret ARNs, never values', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          QBO_CLIENT_SECRET_SECRET_ARN: Match.anyValue(),
          PIPEDRIVE_CLIENT_SECRET_SECRET_ARN: Match.anyValue(),
          KMS_KEY_ID: arnOf(tokenKey),
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WEBHOOK_VERIFIER_TOKENS_SECRET_ARN: Match.anyValue() }) },
    });
  });
});

describe('secrets', () => {
  it('carry no value in the template: CloudFormation generates a placeholder', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 4);
    template.allResourcesProperties('AWS::SecretsManager::Secret', {
      SecretString: Match.absent(),
      GenerateSecretString: Match.objectLike({}),
    });
  });
});

describe('HTTP API', () => {
  it('routes the QuickBooks webhook and the OAuth steps', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/quickbooks' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /oauth/{provider}/{step}' });
    // Pipedrive's app-uninstall notice (decision 46).
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'DELETE /oauth/pipedrive/callback' });
    // Pipedrive's organization webhooks, one URL per connection (decision 63).
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/pipedrive/{realmId}' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 4);
  });

  it('throttles and access-logs the default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('caps the webhook body in the function', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_WEBHOOK_BYTES: String(512 * 1024) }) },
    });
  });
});

describe('schedules', () => {
  const cdcPoll = { 'Fn::GetAtt': [logicalIdOf(stack.functions.cdcPoll), 'Arn'] };

  it.each([
    ['polls CDC every 15 minutes', 'rate(15 minutes)', 'poll'],
    ['reconciles daily', 'cron(17 3 * * ? *)', 'reconcile'],
  ])('%s, fanned out per connection with the schedule time', (_title, expression, mode) => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: expression,
      Targets: [
        Match.objectLike({
          Arn: cdcPoll,
          InputTransformer: {
            InputPathsMap: { time: '$.time' },
            InputTemplate: `{"mode":"${mode}","fanOut":true,"scheduledAt":<time>}`,
          },
        }),
      ],
    });
  });

  it('feeds the poll function one connection at a time from the schedule queue, ten at once (decision 38)', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(schedule.queue),
      FunctionName: { Ref: logicalIdOf(stack.functions.cdcPoll) },
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ SCHEDULE_QUEUE_URL: { Ref: logicalIdOf(schedule.queue) } }),
      },
    });
  });

  it('sends undeliverable invocations to a dead-letter queue after 3 retries', () => {
    template.allResourcesProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: arnOf(stack.schedules.deadLetterQueue) },
        }),
      ],
    });
  });

  it('runs token upkeep hourly', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(stack.functions.tokenUpkeep), 'Arn'] } })],
    });
  });
});

describe('outputs', () => {
  it.each([
    'WebhookUrl',
    'QuickBooksOAuthStartUrl',
    'PipedriveOAuthStartUrl',
    'QuickBooksOAuthRedirectUri',
    'PipedriveOAuthRedirectUri',
    'DashboardUrl',
    'OperationsFunctionName',
    'BackfillFunctionName',
    'CdcPollFunctionName',
    'QBOCLIENTSECRETSecretName',
    'PIPEDRIVECLIENTSECRETSecretName',
    'WEBHOOKVERIFIERTOKENSSecretName',
  ])('include %s', (name) => {
    template.hasOutput(name, { Value: Match.anyValue() });
  });

  it('give the same QuickBooks redirect URI the functions use', () => {
    const outputs = template.findOutputs('QuickBooksOAuthRedirectUri');
    const redirect: unknown = Object.values(outputs)[0]?.Value;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ QBO_REDIRECT_URI: redirect }) },
    });
  });
});
