import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { EventField, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Daily reconcile at 03:17 UTC: off the hour, when the fewest users edit customers. */
export const RECONCILE_SCHEDULE = 'cron(17 3 * * ? *)';
export const TOKEN_UPKEEP_SCHEDULE = 'rate(1 hour)';
/** Lambda's own retries of a scheduled run that threw, before it goes to the failed-runs queue. */
export const SCHEDULED_RUN_RETRIES = 2;

export interface SchedulesProps {
  readonly pollSchedule: string;
  readonly cdcPoll: IFunction;
  readonly tokenUpkeep: IFunction;
  readonly key: IKey;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * EventBridge rules: the CDC poll, the daily reconcile and hourly token upkeep. An invocation
 * EventBridge could not deliver (throttled, for an hour) lands in a dead-letter queue, which alarms.
 */
export class Schedules extends Construct {
  readonly deadLetterQueue: Queue;
  /** Scheduled runs (poll, reconcile, token upkeep) that threw on every attempt: their on-failure destination. */
  readonly failedRuns: Queue;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    // EventBridge writes to the encrypted queue itself, so it needs the key.
    props.key.grant(new ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason:
          'This queue is the dead-letter queue of the EventBridge schedule targets (not an SQS redrive target, which the rule looks for)',
      },
      {
        id: 'Serverless::Serverless-SQSRedrivePolicy',
        reason: 'This is a dead-letter queue itself; undelivered schedule invocations wait here and alarm on arrival',
      },
    );
    // Decision 40: a run that throws is retried by Lambda, then recorded here (with its input and error),
    // where an alarm sees it; before, it was dropped.
    this.failedRuns = new Queue(this, 'FailedRuns', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.failedRuns).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: 'This queue is the on-failure destination of the scheduled functions, a dead-letter queue itself',
      },
      {
        id: 'Serverless::Serverless-SQSRedrivePolicy',
        reason: 'This is a dead-letter queue itself; failed scheduled runs wait here and alarm on arrival',
      },
    );
    for (const fn of [props.cdcPoll, props.tokenUpkeep])
      fn.configureAsyncInvoke({
        onFailure: new SqsDestination(this.failedRuns),
        retryAttempts: SCHEDULED_RUN_RETRIES,
        maxEventAge: Duration.hours(1),
      });
    const target = (fn: IFunction, input?: Record<string, string | boolean>) =>
      new LambdaFunction(fn, {
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.deadLetterQueue,
        ...(input ? { event: RuleTargetInput.fromObject(input) } : {}),
      });
    new Rule(this, 'CdcPoll', {
      description: 'ml-connector: poll QuickBooks CDC for changed customers',
      schedule: Schedule.expression(props.pollSchedule),
      // One unit per connection on the schedule queue (decision 38); the event time deduplicates a repeated delivery.
      targets: [target(props.cdcPoll, { mode: 'poll', fanOut: true, scheduledAt: EventField.time })],
    });
    new Rule(this, 'Reconcile', {
      description: 'ml-connector: daily full reconcile of QuickBooks customers against Pipedrive',
      schedule: Schedule.expression(RECONCILE_SCHEDULE),
      targets: [target(props.cdcPoll, { mode: 'reconcile', fanOut: true, scheduledAt: EventField.time })],
    });
    new Rule(this, 'TokenUpkeep', {
      description: 'ml-connector: refresh OAuth tokens before they expire',
      schedule: Schedule.expression(TOKEN_UPKEEP_SCHEDULE),
      targets: [target(props.tokenUpkeep)],
    });
  }
}
