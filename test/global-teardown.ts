interface Stoppable {
  stop(): Promise<void>;
}

function stoppable(value: unknown): value is Stoppable {
  return typeof value === 'object' && value !== null && 'stop' in value && typeof value.stop === 'function';
}

export default async function globalTeardown(): Promise<void> {
  const emulators: unknown = Reflect.get(globalThis, '__ML_CONNECTOR_EMULATORS__');
  if (typeof emulators !== 'object' || emulators === null) return;
  const stops: Promise<void>[] = [];
  for (const emulator of Object.values(emulators)) if (stoppable(emulator)) stops.push(emulator.stop());
  await Promise.all(stops);
}
