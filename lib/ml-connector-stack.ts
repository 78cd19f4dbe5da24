import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ConnectorApi } from './api';
import { connectorConfigFrom, type ConnectorConfig, MissingContextError, removalPolicyOf } from './config';
import { ConnectorFunctions, FUNCTION_TIMEOUTS } from './functions';
import { ConnectorKeys } from './keys';
import { Monitoring } from './monitoring';
import { Queues } from './queues';
import { Schedules } from './schedules';
import { ConnectorSecrets, SECRET_NAMES } from './secrets';
import { Storage } from './storage';

export interface MlConnectorStackProps extends StackProps {
  /** Overrides the CDK context (tests); by default the configuration is read from context. */
  readonly config?: ConnectorConfig;
}

/**
 * The deployable connector. Its resources (KMS, DynamoDB, SQS, Lambda, HTTP API, schedules,
 * dashboard and alarms) are added construct by construct; the stack itself only composes them.
 */
export class MlConnectorStack extends Stack {
  readonly config: ConnectorConfig;
  readonly keys: ConnectorKeys;
  readonly storage: Storage;
  readonly queues: Queues;
  readonly secrets: ConnectorSecrets;
  readonly api: ConnectorApi;
  readonly functions: ConnectorFunctions;
  readonly schedules: Schedules;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props?: MlConnectorStackProps) {
    super(scope, id, props);
    const config = props?.config ?? connectorConfigFrom(this.node);
    const removalPolicy = removalPolicyOf(config);
    this.config = config;
    // Without it every function that talks to QuickBooks refuses to start: fail the synth, not the deploy.
    if (!config.qboClientId) throw new MissingContextError('qboClientId', "the Intuit app's client id");

    this.keys = new ConnectorKeys(this, 'Keys', { removalPolicy });
    this.storage = new Storage(this, 'Storage', { key: this.keys.dataKey, removalPolicy });
    this.queues = new Queues(this, 'Queues', {
      key: this.keys.dataKey,
      consumerTimeout: FUNCTION_TIMEOUTS.worker,
      scheduleConsumerTimeout: FUNCTION_TIMEOUTS.cdcPoll,
      removalPolicy,
    });
    this.secrets = new ConnectorSecrets(this, 'Secrets', { removalPolicy });
    this.api = new ConnectorApi(this, 'Api', { removalPolicy });
    this.functions = new ConnectorFunctions(this, 'Functions', {
      config,
      table: this.storage.table,
      queues: this.queues,
      tokenKey: this.keys.tokenKey,
      secrets: this.secrets.byName,
      apiUrl: this.api.url,
      removalPolicy,
    });
    this.api.addRoutes(this.functions);
    this.schedules = new Schedules(this, 'Schedules', {
      pollSchedule: config.pollSchedule,
      cdcPoll: this.functions.cdcPoll,
      tokenUpkeep: this.functions.tokenUpkeep,
      key: this.keys.dataKey,
      removalPolicy,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      key: this.keys.dataKey,
      queues: this.queues,
      scheduleDeadLetters: this.schedules.deadLetterQueue,
      failedScheduledRuns: this.schedules.failedRuns,
      pollSchedule: config.pollSchedule,
      worker: this.functions.worker,
      scheduled: { cdcPoll: this.functions.cdcPoll, tokenUpkeep: this.functions.tokenUpkeep },
      functions: Object.values(this.functions.all),
      httpApi: this.api.httpApi,
    });

    new CfnOutput(this, 'ConnectorVersion', { value: '0.1.0', description: 'ml-connector version deployed' });
    new CfnOutput(this, 'WebhookUrl', {
      value: `${this.api.url}webhooks/quickbooks`,
      description: 'Set as the webhook endpoint of the Intuit app',
    });
    for (const provider of ['quickbooks', 'pipedrive'] as const) {
      const label = provider === 'quickbooks' ? 'QuickBooks' : 'Pipedrive';
      new CfnOutput(this, `${label}OAuthStartUrl`, {
        value: `${this.api.url}oauth/${provider}/start`,
        description: `Connection links to this route are signed and single-use: get one with \`ml-connector connect ${provider}\``,
      });
      new CfnOutput(this, `${label}OAuthRedirectUri`, {
        value: `${this.api.url}oauth/${provider}/callback`,
        description: `Register as the redirect URI of the ${label} app`,
      });
    }
    // The CLI (`ml-connector --stack NAME`) finds the functions it invokes through these.
    new CfnOutput(this, 'OperationsFunctionName', {
      value: this.functions.operations.functionName,
      description: 'Invoked by `ml-connector status|ping|connect|replay|audit`',
    });
    new CfnOutput(this, 'BackfillFunctionName', {
      value: this.functions.backfill.functionName,
      description: 'Invoked by `ml-connector backfill`',
    });
    new CfnOutput(this, 'CdcPollFunctionName', {
      value: this.functions.cdcPoll.functionName,
      description: 'Invoked by `ml-connector reconcile`',
    });
    new CfnOutput(this, 'DashboardUrl', { value: this.monitoring.dashboardUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    for (const name of SECRET_NAMES) {
      new CfnOutput(this, `${name.replace(/_/g, '')}SecretName`, {
        value: this.secrets.byName[name].secretName,
        description: `Set the value of ${name} here after deploying`,
      });
    }
  }
}
