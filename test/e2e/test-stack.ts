import { randomUUID } from 'node:crypto';
import { startLocalStack } from '../../local/stack/local-stack';
import { dynamoEndpoint } from '../helpers/dynamodb';
import { sqsEndpoint } from '../helpers/sqs';

/** A local stack of the e2e tests' own: the test's emulators, tables and queues of a fresh name, this many QBO customers. */
export function startTestStack(
  qboSeedCount: number,
  options: { stateFile?: string; pipedriveWebhooks?: boolean } = {},
) {
  return startLocalStack({
    dynamoEndpoint: dynamoEndpoint(),
    sqsEndpoint: sqsEndpoint(),
    name: randomUUID().slice(0, 8),
    // Retries (a QBO 429 under a loaded CI machine waits ~60 s) come back in seconds, as in the chaos run.
    retryTimeScale: 1 / 30,
    qboSeedCount,
    ...options,
  });
}
