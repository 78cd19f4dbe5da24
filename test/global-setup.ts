import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local';

/** Starts the emulators every integration test shares, once per `jest` run. */
export default async function globalSetup(): Promise<void> {
  // A JVM start on a loaded 2-core machine can take well over the 20 s default.
  const dynamo = await startDynamoDbLocal({ timeoutMs: 90_000 });
  process.env.DDB_ENDPOINT = dynamo.endpoint;
  // fauxqs is ESM-only; the global setup runs outside Jest's module system, so a dynamic import works.
  const { startFauxqs } = await import('fauxqs');
  const sqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  process.env.SQS_ENDPOINT = `http://127.0.0.1:${sqs.port}`;
  Object.assign(globalThis, { __ML_CONNECTOR_EMULATORS__: { dynamo, sqs } });
}
