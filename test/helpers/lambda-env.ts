import { sqsEndpoint } from './sqs';
import { dynamoEndpoint } from './dynamodb';

/** The environment a deployed function gets, pointed at the local emulators (the SDK reads AWS_ENDPOINT_URL_<SERVICE>). */
export function useLocalAwsEnvironment(extra: Record<string, string>): void {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: sqsEndpoint(),
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint(),
    POWERTOOLS_SERVICE_NAME: 'ml-connector-test',
    POWERTOOLS_METRICS_NAMESPACE: 'MlConnectorTest',
    ...extra,
  });
}

/** A Lambda context good enough for middy and Powertools. */
export function lambdaContext(name: string) {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Loads a handler module after the test has set its environment (handlers parse their config at
 * import). `require`, because Jest runs CommonJS and its `import()` needs experimental VM modules.
 */
export function loadHandler(path: string): (event: unknown, context: unknown) => Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded: unknown = require(path);
  const handler: unknown = typeof loaded === 'object' && loaded !== null ? Reflect.get(loaded, 'handler') : undefined;
  if (typeof handler !== 'function') throw new Error(`${path} exports no handler`);
  return (event, context) => Promise.resolve(Reflect.apply(handler, undefined, [event, context]));
}

/** What a function wrote to stdout (its logs and EMF metrics) while `work` ran. */
export async function captureStdout<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return write(chunk, ...rest);
  });
  try {
    const result = await work();
    return { result, output: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}
