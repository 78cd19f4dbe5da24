import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portInUseMessage } from '../../local/start-options';
import { conformanceReport } from '../../local/conformance/pipedrive-spec-check';
import { readRecording } from '../../local/conformance/run';

const ROOT = join(__dirname, '..', '..');

/** Runs `npm start` (tsx local/start.ts) and collects how it ended. */
async function npmStart(args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'local', 'start.ts'), ...args],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
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
    const result = await npmStart(['--once', '--port', '0'], {
      ML_CONNECTOR_LOCAL_STATE: stateFile,
      ML_CONNECTOR_PIPEDRIVE_RECORDING: recording,
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
    // Every Pipedrive request it made, and every answer, is valid against the official specs (decision 30).
    const report = conformanceReport(readRecording(recording));
    console.log(`npm start -- --once: ${report.exchanges} Pipedrive exchanges`, report.operations);
    expect(report.exchanges).toBeGreaterThan(50);
    expect(report.violations).toEqual([]);
    // The CLI's pointer to the stack is gone with it.
    expect(existsSync(stateFile)).toBe(false);
  }, 180_000);
});
