import * as path from 'node:path';
import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CfnTable, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CONNECTION_LISTING, keys, LISTING_INDEX, REALM_REGISTRY_ATTRIBUTES } from '../functions/store/table-schema';
import type { ConnectorConfig } from './config';
import {
  SCHEDULE_BATCH_SIZE,
  SCHEDULE_MAX_CONCURRENCY,
  WORKER_BATCH_SIZE,
  WORKER_MAX_CONCURRENCY,
} from './event-source-settings';
import { FUNCTION_TIMEOUT_SECONDS, type FunctionName } from './function-timeouts';
import type { Queues } from './queues';
import type { SecretName } from './secrets';

export const METRICS_NAMESPACE = 'MlConnector';
export const SERVICE_NAME = 'ml-connector';

/** Timeouts per function (lib/function-timeouts.ts); the worker's also sets the queues' visibility timeout. */
export const FUNCTION_TIMEOUTS: Readonly<Record<FunctionName, Duration>> = {
  webhook: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.webhook),
  worker: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.worker),
  cdcPoll: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.cdcPoll),
  oauth: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.oauth),
  tokenUpkeep: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.tokenUpkeep),
  backfill: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.backfill),
  operations: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.operations),
};

/**
 * Largest webhook delivery fanned out per event (about 2,800 legacy events; a bulk edit of 1,500
 * customers in one aggregation window is about 270 KB): larger ones are acknowledged and left to the
 * CDC poll (decision 56). The HTTP API's own limit is 10 MB.
 */
export const MAX_WEBHOOK_BYTES = 512 * 1024;

export interface ConnectorFunctionsProps {
  readonly config: ConnectorConfig;
  readonly table: ITable;
  readonly queues: Queues;
  readonly tokenKey: IKey;
  readonly secrets: Readonly<Record<SecretName, ISecret>>;
  /** The API's base URL, ending in `/`: the OAuth redirect URIs are built from it. */
  readonly apiUrl: string;
  readonly removalPolicy: RemovalPolicy;
}

const HANDLER_FILES: Readonly<Record<FunctionName, string>> = {
  webhook: 'webhook.ts',
  worker: 'worker.ts',
  cdcPoll: 'cdc-poll.ts',
  oauth: 'oauth.ts',
  tokenUpkeep: 'token-upkeep.ts',
  backfill: 'backfill.ts',
  operations: 'operations.ts',
};

/** Why each function needs no asynchronous-invocation DLQ (cdk-nag Serverless-LambdaDLQ). */
const NO_ASYNC_DLQ_BECAUSE: Readonly<Record<FunctionName, string>> = {
  webhook:
    'Invoked synchronously by the HTTP API; a failure is a 5xx that Intuit retries and the Webhook5xx alarm reports',
  worker:
    "Invoked synchronously by the SQS event source mappings; failed messages go to the queues' FIFO dead-letter queues",
  cdcPoll:
    'Invoked by schedule with an on-failure destination (the failed-runs SQS queue, alarmed) instead of a DLQ; the CDC cursor only advances on success',
  oauth: 'Invoked synchronously by the HTTP API; the user sees the error page and retries',
  tokenUpkeep:
    'Invoked hourly by schedule with an on-failure destination (the failed-runs SQS queue, alarmed) instead of a DLQ; TokenRefreshFailures alarms too',
  backfill: 'Invoked synchronously (RequestResponse) by the operator, who sees the result or error directly',
  operations: 'Invoked synchronously (RequestResponse) by the operator CLI, which prints the result or error',
};

const MEMORY_MB: Readonly<Record<FunctionName, number>> = {
  webhook: 512,
  worker: 1024,
  cdcPoll: 512,
  oauth: 512,
  tokenUpkeep: 512,
  backfill: 1024,
  operations: 512,
};

/** The seven Lambda functions, each with its own role, log group and only the grants it uses. */
export class ConnectorFunctions extends Construct {
  readonly webhook: NodejsFunction;
  readonly worker: NodejsFunction;
  readonly cdcPoll: NodejsFunction;
  readonly oauth: NodejsFunction;
  readonly tokenUpkeep: NodejsFunction;
  readonly backfill: NodejsFunction;
  /** The operator's CLI: status, ping, connection links, API-token connections, replay, DLQ redrive, audit. */
  readonly operations: NodejsFunction;

  constructor(scope: Construct, id: string, props: ConnectorFunctionsProps) {
    super(scope, id);
    const { config, table, queues, tokenKey, secrets } = props;

    this.webhook = this.nodeFunction('webhook', props, {
      TABLE_NAME: table.tableName,
      CHANGES_QUEUE_URL: queues.changes.queue.queueUrl,
      SCHEDULE_QUEUE_URL: queues.schedule.queue.queueUrl,
      MAX_WEBHOOK_BYTES: String(MAX_WEBHOOK_BYTES),
      WEBHOOK_VERIFIER_TOKENS_SECRET_ARN: secrets.WEBHOOK_VERIFIER_TOKENS.secretArn,
    });
    // Only looks up known realms and enqueues: no token key, no writes, and (decision 41) reads only
    // connection items and the connection listing, only their keys and realm id.
    this.webhook.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [table.tableArn, `${table.tableArn}/index/${LISTING_INDEX.name}`],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.connection('*').pk, CONNECTION_LISTING] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...REALM_REGISTRY_ATTRIBUTES] },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    );
    table.encryptionKey?.grantDecrypt(this.webhook);
    queues.changes.queue.grantSendMessages(this.webhook);
    // A delivery asks for an early poll of its realm instead (decisions 65, 66).
    queues.schedule.queue.grantSendMessages(this.webhook);
    secrets.WEBHOOK_VERIFIER_TOKENS.grantRead(this.webhook);

    const runtime = runtimeEnvironment(props);
    // The worker and the reconcile apply the same rules to what reps do in Pipedrive (decision 62).
    const pipedriveRules = {
      PIPEDRIVE_DELETED_RULE: config.pipedriveDeletedRule,
      PIPEDRIVE_DRIFT_RULE: config.pipedriveDriftRule,
      PIPEDRIVE_PERSON_RULE: config.pipedrivePersonRule,
    };
    this.worker = this.nodeFunction('worker', props, {
      ...runtime,
      SUB_CUSTOMERS: config.subCustomers,
      MERGE_RULE: config.mergeRule,
      AUDIT_RETENTION_DAYS: String(config.auditRetentionDays),
      ...pipedriveRules,
    });
    this.cdcPoll = this.nodeFunction('cdcPoll', props, {
      ...runtime,
      // The Pipedrive-side reconcile audits what it does (decision 62), kept as long as the worker's entries.
      AUDIT_RETENTION_DAYS: String(config.auditRetentionDays),
      ...pipedriveRules,
      SCHEDULE_QUEUE_URL: queues.schedule.queue.queueUrl,
    });
    this.oauth = this.nodeFunction('oauth', props, {
      ...runtime,
      PIPEDRIVE_PLAN: config.pipedrivePlan,
      PIPEDRIVE_SEATS: String(config.pipedriveSeats),
      // Connection links must carry this token: the OAuth routes are public.
      OAUTH_START_TOKEN_SECRET_ARN: secrets.OAUTH_START_TOKEN.secretArn,
    });
    secrets.OAUTH_START_TOKEN.grantRead(this.oauth);
    this.tokenUpkeep = this.nodeFunction('tokenUpkeep', props, runtime);
    this.backfill = this.nodeFunction('backfill', props, { ...runtime, SUB_CUSTOMERS: config.subCustomers });

    this.operations = this.nodeFunction('operations', props, {
      ...runtime,
      API_URL: props.apiUrl,
      // A mapping plan maps customers as the worker does (decision 61).
      SUB_CUSTOMERS: config.subCustomers,
      PIPEDRIVE_PLAN: config.pipedrivePlan,
      PIPEDRIVE_SEATS: String(config.pipedriveSeats),
      OAUTH_START_TOKEN_SECRET_ARN: secrets.OAUTH_START_TOKEN.secretArn,
      CHANGES_DLQ_URL: queues.changes.deadLetterQueue.queueUrl,
      BULK_DLQ_URL: queues.bulk.deadLetterQueue.queueUrl,
      // The sync-health page's monthly QBO call projection is held against it (issue 15).
      QBO_MONTHLY_CALL_CAP: String(config.qboMonthlyCallCap),
    });
    // It prints connection links, which carry the start token.
    secrets.OAUTH_START_TOKEN.grantRead(this.operations);
    // Replays feed both queues; the DLQ redrive reads and deletes dead letters and sends them back.
    queues.changes.queue.grantSendMessages(this.operations);
    queues.bulk.queue.grantSendMessages(this.operations);
    queues.changes.deadLetterQueue.grantConsumeMessages(this.operations);
    queues.bulk.deadLetterQueue.grantConsumeMessages(this.operations);
    // `status` reads queue depths.
    for (const queue of [queues.changes, queues.bulk])
      for (const q of [queue.queue, queue.deadLetterQueue]) q.grant(this.operations, 'sqs:GetQueueAttributes');

    for (const fn of [this.worker, this.cdcPoll, this.oauth, this.tokenUpkeep, this.backfill, this.operations]) {
      table.grantReadWriteData(fn);
      tokenKey.grantEncryptDecrypt(fn);
      secrets.QBO_CLIENT_SECRET.grantRead(fn);
      secrets.PIPEDRIVE_CLIENT_SECRET.grantRead(fn);
    }
    // The worker re-enqueues (deferred and resolved changes); the poll feeds changes, reconcile and backfill feed bulk.
    queues.changes.queue.grantSendMessages(this.worker);
    queues.bulk.queue.grantSendMessages(this.worker);
    queues.changes.queue.grantSendMessages(this.cdcPoll);
    queues.bulk.queue.grantSendMessages(this.cdcPoll);
    queues.bulk.queue.grantSendMessages(this.backfill);
    // The scheduled run fans out into one unit per connection on the schedule queue, which feeds the same function.
    queues.schedule.queue.grantSendMessages(this.cdcPoll);
    this.cdcPoll.addEventSource(
      new SqsEventSource(queues.schedule.queue, {
        batchSize: SCHEDULE_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: SCHEDULE_MAX_CONCURRENCY,
      }),
    );

    this.worker.addEventSource(
      new SqsEventSource(queues.changes.queue, {
        batchSize: WORKER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: WORKER_MAX_CONCURRENCY.changes,
      }),
    );
    this.worker.addEventSource(
      new SqsEventSource(queues.bulk.queue, {
        batchSize: WORKER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: WORKER_MAX_CONCURRENCY.bulk,
      }),
    );
    Validations.of(this.cdcPoll).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason:
        'On-failure destinations are not supported for SQS event sources; a unit that keeps failing moves to the schedule dead-letter queue after 5 receives',
    });
    Validations.of(this.worker).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason:
        "On-failure destinations are not supported for SQS event sources; failed messages are redriven to each queue's FIFO dead-letter queue after 5 receives",
    });
    this.acknowledgeGrantWildcards(table);
  }

  /** The wildcards CDK's grants produce, each scoped to this stack's resources. */
  private acknowledgeGrantWildcards(table: ITable): void {
    const cfnTable = table.node.defaultChild;
    if (!(cfnTable instanceof CfnTable)) throw new Error('the table must be defined in this stack');
    const tableLogicalId = Stack.of(this).getLogicalId(cfnTable);
    for (const [name, fn] of Object.entries(this.all)) {
      const role = fn.role;
      if (!role) throw new Error(`function ${name} has no role`);
      Validations.of(role).acknowledge(
        {
          id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
          reason:
            'Only xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing), which support no resource-level permissions',
        },
        {
          id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            "CDK key grants for encrypted SQS/DynamoDB (and, for token holders, token envelope encryption); resource is this stack's key ARN only",
        },
        {
          id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
          reason: "Part of CDK's encrypt/decrypt key grant; resource is this stack's key ARN only",
        },
        {
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
          reason: "The grant covers this table's indexes, of which there is one (`listing`: connections and activity)",
        },
      );
    }
  }

  get all(): Readonly<Record<FunctionName, NodejsFunction>> {
    return {
      webhook: this.webhook,
      worker: this.worker,
      cdcPoll: this.cdcPoll,
      oauth: this.oauth,
      tokenUpkeep: this.tokenUpkeep,
      backfill: this.backfill,
      operations: this.operations,
    };
  }

  private nodeFunction(
    name: FunctionName,
    props: ConnectorFunctionsProps,
    environment: Record<string, string>,
  ): NodejsFunction {
    const id = name.charAt(0).toUpperCase() + name.slice(1);
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: logs go to this function's group only.
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `ml-connector ${name} function`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const fn = new NodejsFunction(this, id, {
      entry: path.join(__dirname, '..', 'functions', 'handlers', HANDLER_FILES[name]),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: MEMORY_MB[name],
      timeout: FUNCTION_TIMEOUTS[name],
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      // With JSON logs Lambda filters by its own level (default INFO); keep it equal to Powertools' so DEBUG reaches the logs.
      applicationLogLevelV2: ApplicationLogLevel[props.config.logLevel],
      tracing: Tracing.ACTIVE,
      environment: {
        ...environment,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        format: OutputFormat.CJS,
        target: 'node24',
        // The Node.js 24 runtime ships the AWS SDK v3.
        externalModules: ['@aws-sdk/*'],
      },
    });
    Validations.of(fn).acknowledge({ id: 'Serverless::Serverless-LambdaDLQ', reason: NO_ASYNC_DLQ_BECAUSE[name] });
    return fn;
  }
}

/** The environment of every function that talks to QBO and Pipedrive (functions/handlers/shared/runtime-config.ts). */
function runtimeEnvironment(props: ConnectorFunctionsProps): Record<string, string> {
  const { config, table, queues, tokenKey, secrets, apiUrl } = props;
  return {
    TABLE_NAME: table.tableName,
    CHANGES_QUEUE_URL: queues.changes.queue.queueUrl,
    BULK_QUEUE_URL: queues.bulk.queue.queueUrl,
    KMS_KEY_ID: tokenKey.keyArn,
    QBO_REDIRECT_URI: `${apiUrl}oauth/quickbooks/callback`,
    PIPEDRIVE_REDIRECT_URI: `${apiUrl}oauth/pipedrive/callback`,
    // Where `connect pipedrive` subscribes the connection's organization webhook (decision 63).
    PIPEDRIVE_WEBHOOK_URL: `${apiUrl}webhooks/pipedrive/`,
    PIPEDRIVE_WEBHOOKS: config.pipedriveWebhooks,
    BUDGET_SHARE: String(config.budgetShare),
    PIPEDRIVE_BLOCK_MINUTES: String(config.pipedriveBlockMinutes),
    QBO_CLIENT_SECRET_SECRET_ARN: secrets.QBO_CLIENT_SECRET.secretArn,
    PIPEDRIVE_CLIENT_SECRET_SECRET_ARN: secrets.PIPEDRIVE_CLIENT_SECRET.secretArn,
    ...(config.qboClientId ? { QBO_CLIENT_ID: config.qboClientId } : {}),
    ...(config.pipedriveClientId ? { PIPEDRIVE_CLIENT_ID: config.pipedriveClientId } : {}),
  };
}
