import { Duration, Validations } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** Daily reconcile at 03:17 UTC: off the hour, when the fewest users edit customers. */
export const RECONCILE_SCHEDULE = 'cron(17 3 * * ? *)';
export const TOKEN_UPKEEP_SCHEDULE = 'rate(1 hour)';

export interface SchedulesProps {
  readonly pollSchedule: string;
  readonly cdcPoll: IFunction;
  readonly tokenUpkeep: IFunction;
}

/** EventBridge rules: the CDC poll, the daily reconcile and hourly token upkeep. */
export class Schedules extends Construct {
  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    // A missed run is caught up by the next one (the CDC cursor), so a few retries and no DLQ.
    const target = (fn: IFunction, input?: Record<string, string>) =>
      new LambdaFunction(fn, {
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        ...(input ? { event: RuleTargetInput.fromObject(input) } : {}),
      });
    Validations.of(this).acknowledge({
      id: 'Serverless::Serverless-EventBusDLQ',
      reason:
        'A schedule whose invocation fails after retries is superseded by the next run (the CDC cursor and reconcile catch up); function errors alarm',
    });
    new Rule(this, 'CdcPoll', {
      description: 'ml-connector: poll QuickBooks CDC for changed customers',
      schedule: Schedule.expression(props.pollSchedule),
      targets: [target(props.cdcPoll, { mode: 'poll' })],
    });
    new Rule(this, 'Reconcile', {
      description: 'ml-connector: daily full reconcile of QuickBooks customers against Pipedrive',
      schedule: Schedule.expression(RECONCILE_SCHEDULE),
      targets: [target(props.cdcPoll, { mode: 'reconcile' })],
    });
    new Rule(this, 'TokenUpkeep', {
      description: 'ml-connector: refresh OAuth tokens before they expire',
      schedule: Schedule.expression(TOKEN_UPKEEP_SCHEDULE),
      targets: [target(props.tokenUpkeep)],
    });
  }
}
