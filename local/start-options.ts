import { createServer } from 'node:net';
import * as z from 'zod';

/** Where `npm start` serves the sync-health page, webhook and OAuth routes unless told otherwise. */
export const DEFAULT_PORT = 8700;

export interface StartOptions {
  /** Run the scenario to the end, print the summary and exit. */
  once: boolean;
  /** 0 picks a free port. */
  port: number;
  /** QBO_SANDBOX_PORT and PIPEDRIVE_SANDBOX_PORT, as `npm run sandbox` takes them; absent (or 0): a free port. */
  qboSandboxPort?: number;
  pipedriveSandboxPort?: number;
}

const Port = z.coerce.number().int().min(0).max(65_535);

/** `--once`, `--port N` (or `--port=N`), else the PORT environment variable, else 8700. Throws a one-line message. */
export function parseStartOptions(argv: readonly string[], env: NodeJS.ProcessEnv): StartOptions {
  const flagIndex = argv.findIndex((arg) => arg === '--port' || arg.startsWith('--port='));
  const flag = argv[flagIndex];
  const raw =
    flag === undefined ? env.PORT || undefined : flag === '--port' ? (argv[flagIndex + 1] ?? '') : flag.slice(7);
  const port = raw === undefined ? DEFAULT_PORT : Port.safeParse(raw === '' ? undefined : raw).data;
  if (port === undefined)
    throw new Error(`"${raw ?? ''}" is not a port: give a number from 0 to 65535, e.g. \`npm start -- --port 8701\`.`);
  const qboSandboxPort = sandboxPort(env, 'QBO_SANDBOX_PORT');
  const pipedriveSandboxPort = sandboxPort(env, 'PIPEDRIVE_SANDBOX_PORT');
  return {
    once: argv.includes('--once'),
    port,
    ...(qboSandboxPort !== undefined ? { qboSandboxPort } : {}),
    ...(pipedriveSandboxPort !== undefined ? { pipedriveSandboxPort } : {}),
  };
}

function sandboxPort(env: NodeJS.ProcessEnv, variable: string): number | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === '') return undefined;
  const port = Port.safeParse(raw).data;
  if (port === undefined)
    throw new Error(`${variable}="${raw}" is not a port: give a number from 0 to 65535 (0: any).`);
  return port;
}

export function portInUseMessage(port: number): string {
  const other = port === 65_535 ? port - 1 : port + 1;
  return `Port ${port} is already in use (another \`npm start\`?): stop that, or choose another port with \`npm start -- --port ${other}\` or \`PORT=${other} npm start\`.`;
}

/** Whether listening on the port fails because something holds it (Node's EADDRINUSE). */
export function isAddressInUse(error: unknown): boolean {
  return z.object({ code: z.literal('EADDRINUSE') }).safeParse(error).success;
}

/** Whether the port can be listened on at `host` right now (checked before anything slow starts). */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => {
      if (isAddressInUse(error)) resolve(false);
      else reject(error);
    });
    server.listen(port, host, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}
