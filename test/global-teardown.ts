import type { RunningDynamoDbLocal } from '../local/dynamodb/dynamodb-local';

export default async function globalTeardown(): Promise<void> {
  const emulators: unknown = Reflect.get(globalThis, '__ML_CONNECTOR_EMULATORS__');
  const dynamo: unknown =
    typeof emulators === 'object' && emulators !== null ? Reflect.get(emulators, 'dynamo') : undefined;
  if (typeof dynamo === 'object' && dynamo !== null && 'stop' in dynamo) await (dynamo as RunningDynamoDbLocal).stop();
}
