export interface RunningFauxqs {
  port: number;
  stop(): Promise<void>;
}

/**
 * The SQS emulator on 127.0.0.1 only. fauxqs's own `startFauxqs` listens on 0.0.0.0 whatever its
 * `host` option says (that only names the host in queue URLs), so its app is built and bound here.
 * ESM-only: a real import(), as the local stack runs under tsx (test/global-setup.ts does the same inline).
 */
export async function startLoopbackFauxqs(): Promise<RunningFauxqs> {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false, host: '127.0.0.1' });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: Number(new URL(address).port),
    stop: async () => {
      await app.close();
    },
  };
}
