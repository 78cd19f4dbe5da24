import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local';

/** Starts the emulators every integration test shares, once per `jest` run. */
export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynamoDbLocal({
    progress: (line) => {
      process.stderr.write(`${line}\n`);
    },
  });
  process.env.DDB_ENDPOINT = dynamo.endpoint;
  // fauxqs is ESM-only; the global setup runs outside Jest's module system, so a dynamic import works.
  // Built and bound here: fauxqs's startFauxqs listens on 0.0.0.0 whatever `host` says (local/aws/fauxqs.ts).
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false, host: '127.0.0.1' });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const sqs = {
    stop: async () => {
      await app.close();
    },
  };
  process.env.SQS_ENDPOINT = `http://127.0.0.1:${new URL(address).port}`;
  Object.assign(globalThis, { __ML_CONNECTOR_EMULATORS__: { dynamo, sqs } });
}
