import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';

const ROOT = join(__dirname, '..', '..');
const LogLine = z.object({ message: z.string(), function_name: z.string() });

describe('the local stack’s function logs', () => {
  it('carry the name of the function that wrote them, when two functions run at once', async () => {
    // As `npm start` runs: node with tsx's loader, every handler in one process.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'scripts', 'concurrent-handlers.ts')],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } },
    );
    const lines = stdout
      .split('\n')
      .flatMap((line) => {
        try {
          const parsed = LogLine.safeParse(JSON.parse(line));
          return parsed.success ? [parsed.data] : [];
        } catch {
          return [];
        }
      })
      .map((line) => [line.message, line.function_name]);
    expect(lines).toEqual(
      expect.arrayContaining([
        ['webhook handled', 'webhook'],
        ['oauth request', 'oauth'],
      ]),
    );
    expect(lines.filter(([message]) => message === 'webhook handled' || message === 'oauth request')).toHaveLength(2);
  }, 120_000);
});
