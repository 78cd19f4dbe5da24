import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local';

/** Starts the emulators every integration test shares, once per `jest` run. */
export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  process.env.DDB_ENDPOINT = dynamo.endpoint;
  Object.assign(globalThis, { __ML_CONNECTOR_EMULATORS__: { dynamo } });
}
