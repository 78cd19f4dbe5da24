/**
 * `npm run sandbox`: starts the sandboxes on fixed ports (QBO_SANDBOX_PORT, default 8710) and
 * prints, as the first stdout line, one JSON object with what a client needs to reach them.
 */
import { z } from 'zod';
import { startQuickBooksSandbox } from './quickbooks';

const Env = z.object({
  QBO_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8710),
  SANDBOX_HOST: z.string().default('127.0.0.1'),
  QBO_SANDBOX_SEED_COUNT: z.coerce.number().int().min(0).default(50),
  QBO_WEBHOOK_URL: z.url().optional(),
  QBO_WEBHOOK_FORMAT: z.enum(['legacy', 'cloudevents']).default('legacy'),
});

export async function startSandboxes(env: z.infer<typeof Env>) {
  const quickbooks = await startQuickBooksSandbox({
    port: env.QBO_SANDBOX_PORT,
    host: env.SANDBOX_HOST,
    seed: { count: env.QBO_SANDBOX_SEED_COUNT, seed: 42 },
    webhooks: { format: env.QBO_WEBHOOK_FORMAT, ...(env.QBO_WEBHOOK_URL ? { url: env.QBO_WEBHOOK_URL } : {}) },
    webhookTicker: true,
  });
  return {
    description: { quickbooks: quickbooks.describe() },
    close: async () => {
      await quickbooks.close();
    },
  };
}

export async function runSandboxes(): Promise<void> {
  const env = Env.parse(process.env);
  let sandboxes: Awaited<ReturnType<typeof startSandboxes>>;
  try {
    sandboxes = await startSandboxes(env);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    if (code === 'EADDRINUSE') {
      console.error(`A sandbox port is already in use. Set QBO_SANDBOX_PORT to a free port (or 0 for any).`);
      process.exit(1);
    }
    throw error;
  }
  process.stdout.write(`${JSON.stringify(sandboxes.description)}\n`);
  console.error('Sandboxes running. Ctrl-C to stop.');
  const stop = () => {
    void sandboxes.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) void runSandboxes();
