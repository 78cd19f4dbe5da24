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

// The same loader and context the local stack uses.
export { lambdaContext, loadHandler } from '../../local/stack/load-handler';

/** What a function wrote to stdout (its logs and EMF metrics) while `work` ran. */
/** Everything written to stdout and stderr (Powertools logs warnings and errors to stderr) while `work` runs. */
export async function captureOutput<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write.bind(stream));
  streams.forEach((stream, index) => {
    const write = writes[index]!;
    stream.write = (chunk: string | Uint8Array, ...rest: never[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return write(chunk, ...rest);
    };
  });
  try {
    const result = await work();
    return { result, output: chunks.join('') };
  } finally {
    streams.forEach((stream, index) => {
      stream.write = writes[index]!;
    });
  }
}

export async function captureStdout<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array, ...rest: never[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return write(chunk, ...rest);
  };
  try {
    const result = await work();
    return { result, output: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}
