import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLoopbackFauxqs } from '../aws/fauxqs';
import { startSqsTimeProxy } from '../aws/sqs-time-proxy';
import { createConnectorTable } from '../dynamodb/create-table';
import { startDynamoDbLocal } from '../dynamodb/dynamodb-local';
import { startLocalKms } from '../kms';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface EmulatorOptions {
  /** Use running emulators instead of starting them (the tests share theirs). */
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  /** Compresses the retry delays the handlers set on messages by this factor (1: real time). */
  retryTimeScale?: number;
  progress: (line: string) => void;
}

/**
 * DynamoDB Local, the SQS emulator (fauxqs) and the local KMS, each started unless one is given.
 * The handlers reach SQS through the time-compressing proxy when retries are to come back sooner.
 */
export async function startEmulators(options: EmulatorOptions) {
  const dynamo = options.dynamoEndpoint
    ? { endpoint: options.dynamoEndpoint, stop: () => Promise.resolve() }
    : await startDynamoDbLocal({ progress: options.progress });
  const fauxqs = options.sqsEndpoint ? undefined : await startLoopbackFauxqs();
  const sqsEndpoint = options.sqsEndpoint ?? `http://127.0.0.1:${fauxqs?.port ?? 0}`;
  const kms = await startLocalKms();
  const sqsProxy =
    options.retryTimeScale !== undefined && options.retryTimeScale !== 1
      ? await startSqsTimeProxy(sqsEndpoint, options.retryTimeScale)
      : undefined;
  const dynamoClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials: CREDENTIALS });
  return {
    dynamoEndpoint: dynamo.endpoint,
    /** Where the stack itself talks to SQS. */
    sqsEndpoint,
    /** Where the handlers talk to SQS (through the proxy when retries are compressed). */
    handlerSqsEndpoint: sqsProxy?.url ?? sqsEndpoint,
    kms,
    sqs: new SQSClient({
      endpoint: sqsEndpoint,
      region: REGION,
      credentials: CREDENTIALS,
      useQueueUrlAsEndpoint: false,
    }),
    dynamoClient,
    documentClient: DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } }),
    stop: async () => {
      await kms.close();
      await sqsProxy?.close();
      await fauxqs?.stop();
      await dynamo.stop();
    },
  };
}

export type Emulators = Awaited<ReturnType<typeof startEmulators>>;

/** The dead-letter queue of a queue, by the naming `createFifoQueue` uses. */
export const deadLetterQueueUrl = (queueUrl: string) => queueUrl.replace(/\.fifo$/, '-dlq.fifo');

/** The table and the three FIFO queues, each with its dead-letter queue, named with `suffix`. */
export async function createStorage(emulators: Emulators, suffix: string, visibilityTimeoutSeconds = 360) {
  const tableName = `ml-connector-local${suffix}`;
  await createConnectorTable(emulators.dynamoClient, tableName);
  const queue = async (name: string) => {
    await emulators.sqs.send(
      new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: { FifoQueue: 'true' } }),
    );
    const created = await emulators.sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}.fifo`,
        Attributes: {
          FifoQueue: 'true',
          VisibilityTimeout: String(visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:${REGION}:000000000000:${name}-dlq.fifo`,
            maxReceiveCount: 5,
          }),
        },
      }),
    );
    return created.QueueUrl ?? '';
  };
  return {
    tableName,
    changesQueueUrl: await queue(`ml-connector-changes${suffix}`),
    bulkQueueUrl: await queue(`ml-connector-bulk${suffix}`),
    scheduleQueueUrl: await queue(`ml-connector-schedule${suffix}`),
  };
}

export type LocalStorage = Awaited<ReturnType<typeof createStorage>>;
