import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { dailyTokenBudget } from '../functions/pipedrive/plans';
import { METRICS, type MetricName } from '../functions/shared/metric-names';
import type { ConnectorConfig } from './config';
import { METRICS_NAMESPACE, SERVICE_NAME } from './functions';
import type { FifoQueueWithDlq } from './queues';

/** Alarm on the daily Pipedrive spend at this share of the connector's budget share. */
export const BUDGET_ALARM_RATIO = 0.8;
/** Oldest message ages that mean the worker has fallen behind. */
/** The schedule queue carries webhooks' early polls (decision 66): a unit waits behind its realm's poll or reconcile at most. */
export const QUEUE_AGE_LIMITS = {
  changes: Duration.minutes(15),
  bulk: Duration.hours(6),
  schedule: Duration.minutes(15),
} as const;

export interface MonitoringProps {
  readonly config: ConnectorConfig;
  readonly key: IKey;
  readonly queues: {
    readonly changes: FifoQueueWithDlq;
    readonly bulk: FifoQueueWithDlq;
    readonly schedule: FifoQueueWithDlq;
  };
  /** Schedule invocations EventBridge could not deliver. */
  readonly scheduleDeadLetters: IQueue;
  /** Scheduled runs that threw on every attempt (the functions' on-failure destination). */
  readonly failedScheduledRuns: IQueue;
  /** How often the CDC poll runs: its heartbeat alarm waits for three missed polls (at least an hour). */
  readonly pollSchedule: string;
  readonly worker: IFunction;
  /** The functions EventBridge runs: the CDC poll (and the reconcile) and token upkeep. */
  readonly scheduled: { readonly cdcPoll: IFunction; readonly tokenUpkeep: IFunction };
  readonly functions: readonly IFunction[];
  readonly httpApi: HttpApi;
}

/**
 * The window in which at least one successful poll must be seen: three poll intervals, at least an
 * hour (a cron schedule: a day). Whole minutes, as CloudWatch periods are.
 */
export function pollHeartbeatWindow(pollSchedule: string): Duration {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(pollSchedule);
  if (!rate) return Duration.days(1);
  const unitMinutes = rate[2]?.startsWith('minute') ? 1 : rate[2]?.startsWith('hour') ? 60 : 1440;
  const minutes = Math.max(60, 3 * Number(rate[1]) * unitMinutes);
  return Duration.minutes(Math.min(minutes, 1440));
}

/** The connector's own metric (EMF from Powertools: namespace plus the `service` dimension). */
export function connectorMetric(name: MetricName, period = Duration.minutes(5)): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic: 'Sum',
    period,
  });
}

/** Alarms to one SNS topic (optionally e-mailed) and a dashboard of the same signals. */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config } = props;
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: 'ml-connector alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new EmailSubscription(config.alarmEmail));

    const dailyBudgetShare = dailyTokenBudget(config.pipedrivePlan, config.pipedriveSeats) * config.budgetShare;
    const heartbeatWindow = pollHeartbeatWindow(props.pollSchedule);
    this.addQueueAlarms(props);
    this.addScheduledRunAlarms(props, heartbeatWindow);
    this.addSyncAlarms(props, Math.floor(dailyBudgetShare * BUDGET_ALARM_RATIO));
    this.dashboard = this.buildDashboard(props, dailyBudgetShare, heartbeatWindow);
  }

  private alarm(id: string, description: string, metric: IMetric, threshold: number): Alarm {
    const created = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    created.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(created);
    return created;
  }

  /** A message in any dead-letter queue, and the failed-runs and EventBridge dead-letter queues. */
  private addQueueAlarms(props: MonitoringProps): void {
    for (const [name, pair] of [
      ['Changes', props.queues.changes],
      ['Bulk', props.queues.bulk],
    ] as const) {
      this.alarm(
        `${name}DeadLetters`,
        `A ${name.toLowerCase()} message failed 5 times and is in the dead-letter queue`,
        pair.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
        1,
      );
    }
    this.alarm(
      'ScheduledUnitDeadLetters',
      "A connection's scheduled poll or reconcile (one schedule-queue unit) failed 5 times",
      props.queues.schedule.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      1,
    );
    this.alarm(
      'ScheduleDeadLetters',
      'EventBridge could not invoke a scheduled function (poll, reconcile or token upkeep) for an hour',
      props.scheduleDeadLetters.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      1,
    );
    this.alarm(
      'FailedScheduledRuns',
      'A scheduled run (CDC poll, reconcile or token upkeep) threw on every attempt; its input and error are in the failed-runs queue',
      props.failedScheduledRuns.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      1,
    );
  }

  /** The poll, reconcile and upkeep runs: errors, and the heartbeat of successful polls. */
  private addScheduledRunAlarms(props: MonitoringProps, heartbeatWindow: Duration): void {
    this.alarm(
      'CdcPollErrors',
      'The CDC poll or the daily reconcile failed (the whole run, not one connection)',
      props.scheduled.cdcPoll.metricErrors({ statistic: 'Sum' }),
      1,
    );
    this.alarm(
      'TokenUpkeepErrors',
      'Token upkeep failed (the whole run): tokens may expire unrefreshed',
      props.scheduled.tokenUpkeep.metricErrors({ statistic: 'Sum' }),
      1,
    );
    const heartbeat = new Alarm(this, 'PollHeartbeat', {
      alarmDescription: `No CDC poll read every connection in ${heartbeatWindow.toHumanString()}: the poll is failing, throttled or not scheduled`,
      metric: connectorMetric(METRICS.pollSucceeded, heartbeatWindow),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      // Silence is the failure this alarm exists for.
      treatMissingData: TreatMissingData.BREACHING,
    });
    heartbeat.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(heartbeat);
  }

  /** Replaced connections, queue age, worker errors, re-authorisation, the budget, webhook 5xx, failures. */
  private addSyncAlarms(props: MonitoringProps, budgetLimit: number): void {
    const { queues, worker } = props;
    this.alarm(
      'ConnectionsReplaced',
      'A --replace link moved a connection to another Pipedrive company or QuickBooks realm: check it was intended',
      connectorMetric(METRICS.connectionsChanged),
      1,
    );
    this.alarm(
      'ChangesQueueAge',
      'Changes wait longer than 15 minutes: the worker is failing or throttled',
      queues.changes.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' }),
      QUEUE_AGE_LIMITS.changes.toSeconds(),
    );
    this.alarm(
      'ScheduleQueueAge',
      "A poll or a webhook's early poll waits longer than 15 minutes: the poll function is failing, throttled or stuck",
      queues.schedule.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' }),
      QUEUE_AGE_LIMITS.schedule.toSeconds(),
    );
    this.alarm(
      'BulkQueueAge',
      'Bulk messages wait longer than 6 hours',
      queues.bulk.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' }),
      QUEUE_AGE_LIMITS.bulk.toSeconds(),
    );
    this.alarm(
      'WorkerErrors',
      'The worker failed whole invocations (not single messages)',
      worker.metricErrors({ statistic: 'Sum' }),
      1,
    );
    this.alarm(
      'NeedsReauth',
      'A connection needs the user to reconnect QuickBooks or Pipedrive',
      connectorMetric(METRICS.needsReauth, Duration.hours(1)).with({ statistic: 'Maximum' }),
      1,
    );
    this.alarm(
      'PipedriveBudget',
      `Pipedrive tokens spent today exceed ${String(BUDGET_ALARM_RATIO * 100)}% of the connector's share (${String(budgetLimit)})`,
      connectorMetric(METRICS.pipedriveTokens, Duration.days(1)),
      budgetLimit,
    );
    this.alarm(
      'Webhook5xx',
      'The HTTP API answered 5xx: Intuit will retry, then stop sending webhooks',
      props.httpApi.metricServerError({ statistic: 'Sum', period: Duration.minutes(5) }),
      1,
    );
    this.alarm('SyncFailures', 'Customers failed to sync', connectorMetric(METRICS.failed), 1);
    this.alarm(
      'TokenRefreshFailures',
      'OAuth token refreshes failed',
      connectorMetric(METRICS.tokenRefreshFailures, Duration.hours(1)),
      1,
    );
  }

  private buildDashboard(props: MonitoringProps, dailyBudgetShare: number, heartbeatWindow: Duration): Dashboard {
    const { queues } = props;
    const dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `ml-connector-${Stack.of(this).stackName}`,
      defaultInterval: Duration.days(1),
    });
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Sync outcomes',
        left: [
          METRICS.created,
          METRICS.updated,
          METRICS.unchanged,
          METRICS.failed,
          METRICS.parked,
          METRICS.deferredForBudget,
          METRICS.deferredForRateLimit,
        ].map((name) => connectorMetric(name)),
      }),
      new GraphWidget({
        title: 'Intake',
        // Webhook deliveries become early polls; shared ones found their changes read already (decision 66).
        left: [
          METRICS.webhookEventsReceived,
          METRICS.webhookRejected,
          METRICS.webhookLeftToPoll,
          METRICS.earlyPollsShared,
          METRICS.enqueued,
        ].map((name) => connectorMetric(name)),
      }),
      new GraphWidget({
        title: 'Queues: oldest message (s)',
        // The schedule queue carries the webhooks' early polls too (decision 66).
        left: [queues.changes.queue, queues.bulk.queue, queues.schedule.queue].map((queue) =>
          queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' }),
        ),
        right: [queues.changes.deadLetterQueue, queues.bulk.deadLetterQueue, queues.schedule.deadLetterQueue].map(
          (queue) => queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
        ),
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Pipedrive tokens per day',
        left: [connectorMetric(METRICS.pipedriveTokens, Duration.days(1))],
        leftAnnotations: [{ value: dailyBudgetShare, label: 'budget share' }],
      }),
      new GraphWidget({
        title: 'Rate limits',
        left: [METRICS.pipedriveRateLimited, METRICS.pipedriveHardStops, METRICS.qboRateLimited].map((name) =>
          connectorMetric(name),
        ),
      }),
      new GraphWidget({
        title: 'Function errors',
        left: props.functions.map((fn) => fn.metricErrors({ statistic: 'Sum' })),
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Scheduled runs: successful polls, failed runs',
        left: [connectorMetric(METRICS.pollSucceeded, heartbeatWindow)],
        right: [props.failedScheduledRuns, props.scheduleDeadLetters].map((queue) =>
          queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
        ),
      }),
      new GraphWidget({
        title: 'Connections replaced, unreadable webhook items',
        left: [METRICS.connectionsChanged, METRICS.webhookUnreadable].map((name) => connectorMetric(name)),
      }),
    );
    dashboard.addWidgets(...this.alarms.map((each) => new AlarmWidget({ alarm: each, width: 6, height: 4 })));
    return dashboard;
  }

  get dashboardUrl(): string {
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
