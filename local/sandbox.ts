/**
 * `npm run sandbox`: starts the sandboxes on fixed ports (QBO_SANDBOX_PORT, default 8710;
 * PIPEDRIVE_SANDBOX_PORT, default 8720) and prints, as the first stdout line, one JSON object with
 * what a client needs to reach them.
 */
import * as z from 'zod';
import { SandboxClock } from './shared/clock';
import { REALISTIC_LATENCY } from './shared/latency';
import { startPipedriveSandbox } from './pipedrive';
import { startQuickBooksSandbox } from './quickbooks';

const Env = z.object({
  QBO_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8710),
  SANDBOX_HOST: z.string().default('127.0.0.1'),
  PIPEDRIVE_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8720),
  PIPEDRIVE_PLAN: z.enum(['lite', 'growth', 'premium', 'ultimate']).default('growth'),
  PIPEDRIVE_SEATS: z.coerce.number().int().positive().default(1),
  QBO_SANDBOX_SEED_COUNT: z.coerce.number().int().min(0).default(50),
  QBO_WEBHOOK_URL: z.url().optional(),
  QBO_WEBHOOK_FORMAT: z.enum(['legacy', 'cloudevents']).default('legacy'),
  /** `realistic` waits like the vendors' servers before each answer; `off` answers at once. */
  SANDBOX_LATENCY: z.enum(['realistic', 'off']).default('realistic'),
});

export async function startSandboxes(env: z.infer<typeof Env>) {
  // One clock for both, so expiries and budgets agree when a test or benchmark moves it.
  const clock = new SandboxClock();
  const quickbooks = await startQuickBooksSandbox({
    clock,
    port: env.QBO_SANDBOX_PORT,
    host: env.SANDBOX_HOST,
    seed: { count: env.QBO_SANDBOX_SEED_COUNT, seed: 42 },
    webhooks: { format: env.QBO_WEBHOOK_FORMAT, ...(env.QBO_WEBHOOK_URL ? { url: env.QBO_WEBHOOK_URL } : {}) },
    webhookTicker: true,
    latency: env.SANDBOX_LATENCY === 'realistic' ? REALISTIC_LATENCY.quickbooks : false,
  });
  const pipedrive = await startPipedriveSandbox({
    clock,
    latency: env.SANDBOX_LATENCY === 'realistic' ? REALISTIC_LATENCY.pipedrive : false,
    port: env.PIPEDRIVE_SANDBOX_PORT,
    host: env.SANDBOX_HOST,
    plan: env.PIPEDRIVE_PLAN,
    seats: env.PIPEDRIVE_SEATS,
  }).catch(async (error: unknown) => {
    await quickbooks.close();
    throw error;
  });
  return {
    description: { quickbooks: quickbooks.describe(), pipedrive: pipedrive.describe() },
    close: async () => {
      await Promise.all([quickbooks.close(), pipedrive.close()]);
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
      console.error(
        `A sandbox port is already in use. Set QBO_SANDBOX_PORT / PIPEDRIVE_SANDBOX_PORT to free ports (or 0 for any).`,
      );
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
