import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portInUseMessage } from '../../local/start-options';
import { isLoopback, listeningSockets, processTree } from '../helpers/listening-sockets';
import { conformanceReport } from '../../local/conformance/pipedrive-spec-check';
import { quickbooksConformanceReport } from '../../local/conformance/quickbooks-report';
import { readQuickBooksRecording, readRecording } from '../../local/conformance/run';

const ROOT = join(__dirname, '..', '..');
/** What `npm start` runs: node itself with tsx's loader (no tsx parent process relaying signals). */
const START = ['--import', 'tsx', join(ROOT, 'local', 'start.ts')];

/** Runs `npm start` and collects how it ended. */
async function npmStart(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...START, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits a little for these processes to end on their own, then kills what is left. */
async function stopLeftovers(pids: number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
}

let holder: Server;
let port: number;
beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const address = holder.address();
  port = typeof address === 'object' && address ? address.port : -1;
});
afterAll(() => new Promise((resolve) => holder.close(resolve)));

describe('npm start on a port that is taken', () => {
  const expectOneLineRefusal = (result: { code: number | null; stdout: string; stderr: string }) => {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([portInUseMessage(port)]);
  };

  it('says which port and how to choose another, in one line, and exits 1 (--port)', async () => {
    expectOneLineRefusal(await npmStart(['--once', '--port', String(port)]));
  }, 30_000);

  it('does the same for a port given by PORT', async () => {
    expectOneLineRefusal(await npmStart(['--once'], { PORT: String(port) }));
  }, 30_000);
});

describe('npm start without Java', () => {
  it('says in one line that Java 17+ is needed and how to install it, and exits 1', async () => {
    const result = await npmStart(['--once', '--port', '0'], { PATH: join(ROOT, 'no-such-dir') });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Could not start the local stack: DynamoDB Local needs Java 17 or later, .*apt-get.*brew/),
    ]);
  }, 30_000);
});

describe('npm start -- --once', () => {
  it('runs the whole scenario, exits 0 with every customer in sync, and ends stdout with the JSON summary', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'ml-connector-start-')), 'local.json');
    const recording = join(stateFile, '..', 'pipedrive.jsonl');
    const qboRecording = join(stateFile, '..', 'quickbooks.jsonl');
    const result = await npmStart(['--once', '--port', '0'], {
      ML_CONNECTOR_LOCAL_STATE: stateFile,
      ML_CONNECTOR_PIPEDRIVE_RECORDING: recording,
      ML_CONNECTOR_QUICKBOOKS_RECORDING: qboRecording,
    });
    expect(result.code).toBe(0);
    const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
    const summary = JSON.parse(lastLine) as Record<string, number>;
    expect(Object.keys(summary)).toEqual(
      expect.arrayContaining([
        'customers',
        'organizations',
        'inSync',
        'failed',
        'pipedriveTokens',
        'qboCalls',
        'seconds',
      ]),
    );
    expect(summary.failed).toBe(0);
    expect((summary.inSync ?? 0) + (summary.excluded ?? 0)).toBe(summary.customers);
    expect(summary.pipedriveTokens).toBeGreaterThan(0);
    // Every Pipedrive request it made, and every answer, is valid against the official specs (decision 44).
    const report = conformanceReport(readRecording(recording));
    console.log(`npm start -- --once: ${report.exchanges} Pipedrive exchanges`, report.operations);
    expect(report.exchanges).toBeGreaterThan(50);
    expect(report.violations).toEqual([]);
    // And every QBO request is one FACTS.md documents: endpoint, parameters, headers, query grammar.
    const qbo = quickbooksConformanceReport(readQuickBooksRecording(qboRecording));
    console.log(`npm start -- --once: ${qbo.requests} QBO requests`, qbo.operations, qbo.allowances);
    expect(qbo.requests).toBeGreaterThan(20);
    expect(qbo.violations).toEqual([]);
    // The CLI's pointer to the stack is gone with it.
    expect(existsSync(stateFile)).toBe(false);
  }, 180_000);
});

describe('npm start listens on loopback only', () => {
  it('every server it starts (front, sandboxes, KMS, SQS, DynamoDB Local) is bound to 127.0.0.1; the front keeps the deployed limits', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'ml-connector-start-')), 'local.json');
    const child = spawn(process.execPath, [...START, '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, ML_CONNECTOR_LOCAL_STATE: stateFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = once(child, 'exit');
    let tree: number[] = [];
    try {
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          // Connected: every server is up by now.
          if (stderr.includes('Connected QuickBooks company')) resolve();
        });
        child.once('exit', () => {
          reject(new Error(`npm start exited early: ${stderr}`));
        });
      });
      tree = processTree(child.pid ?? -1);
      const sockets = listeningSockets(child.pid ?? -1);
      // The front, both sandboxes, the KMS, fauxqs and DynamoDB Local at least.
      expect(sockets.length).toBeGreaterThanOrEqual(6);
      expect(sockets.filter((socket) => !isLoopback(socket))).toEqual([]);

      const { url, adminKey } = JSON.parse(readFileSync(stateFile, 'utf8')) as { url: string; adminKey: string };
      // Over the deployed MAX_WEBHOOK_BYTES (512 KiB) and unsigned: refused, and nothing is read from it.
      const oversized = await fetch(`${url}/webhooks/quickbooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'intuit-signature': 'x' },
        body: `[${' '.repeat(600 * 1024)}]`,
      });
      expect(oversized.status).toBe(401);
      // The admin key guards the invoke route (compared in constant time).
      const invoke = (key: string) =>
        fetch(`${url}/_local/invoke/operations`, {
          method: 'POST',
          headers: { 'x-local-admin-key': key },
          body: JSON.stringify({ command: 'status' }),
        });
      expect((await invoke(`${adminKey.slice(0, -1)}x`)).status).toBe(403);
      expect((await invoke(adminKey)).status).toBe(200);
    } finally {
      child.kill('SIGINT');
      await exited;
      // Nothing it started may outlive it (DynamoDB Local is a separate JVM).
      await stopLeftovers(tree.filter((pid) => pid !== child.pid));
    }
  }, 180_000);
});

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : -1;
}

/** Whether any process of the group is still alive. */
const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start in a terminal', () => {
  it('uses the sandbox ports it is given, shows how to poke it on stdout, and stops cleanly on Ctrl-C to the process group', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'ml-connector-start-')), 'local.json');
    const [qboPort, pipedrivePort] = [await freePort(), await freePort()];
    // Its own process group, as a terminal's foreground job: Ctrl-C reaches node and the JVM alike.
    const child = spawn(process.execPath, [...START, '--port', '0'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ML_CONNECTOR_LOCAL_STATE: stateFile,
        QBO_SANDBOX_PORT: String(qboPort),
        PIPEDRIVE_SANDBOX_PORT: String(pipedrivePort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pgid = child.pid ?? -1;
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('  CLI ')) resolve();
        });
        child.once('exit', () => {
          reject(new Error(`npm start exited early: ${stderr}`));
        });
      });
      expect(stdout).toContain(`QuickBooks sandbox    http://127.0.0.1:${qboPort}`);
      expect(stdout).toContain(`Pipedrive sandbox     http://127.0.0.1:${pipedrivePort}`);
      expect(stdout).toMatch(/API token +\S{8,}/);
      expect(stdout).toMatch(/control +http:\/\/127\.0\.0\.1:\d+\/_sandbox/);
      expect(stdout).toMatch(/Sync health +http:\/\/127\.0\.0\.1:\d+\/health/);
      expect(existsSync(stateFile)).toBe(true);

      process.kill(-pgid, 'SIGINT');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(stderr).toContain('Stopping…');
      // No stack trace: node did not die inside close().
      expect(stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      // The CLI's pointer to the stack is gone with it, and nothing of the group is left running.
      expect(existsSync(stateFile)).toBe(false);
      const deadline = Date.now() + 10_000;
      while (groupAlive(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(groupAlive(pgid)).toBe(false);
    } finally {
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    }
  }, 180_000);
});
