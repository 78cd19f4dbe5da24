import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'ml-connector.cjs');

/** Runs the installed command (`npx ml-connector …`) with no AWS configuration and no local stack. */
async function run(args: string[], options: { closeStdout?: boolean } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'ml-connector-home-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    ML_CONNECTOR_LOCAL_STATE: join(home, 'local.json'),
  };
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The reader goes away before the command writes, as `| head -1` does after its line.
  if (options.closeStdout) child.stdout.destroy();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('the ml-connector command', () => {
  it('prints the usage from the compiled CLI', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: ml-connector <command>');
    expect(result.stderr).toBe('');
  }, 60_000);

  it('ends quietly when its reader has gone (EPIPE)', async () => {
    const result = await run(['--help'], { closeStdout: true });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  it('names --region when a deployed stack is asked for without one', async () => {
    const result = await run(['status', '--stack', 'Nope']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'ml-connector: No AWS region for stack Nope: pass --region REGION (or set AWS_REGION).',
    ]);
  }, 60_000);
});
