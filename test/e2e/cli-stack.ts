import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTarget, main } from '../../cli/main';
import { startTestStack } from './test-stack';

/** A local stack of its own, and the CLI pointed at it through its state file and HTTP front. */
export async function startCliStack(qboSeedCount: number, options: { pipedriveWebhooks?: boolean } = {}) {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'ml-connector-cli-')), 'local.json');
  // The handlers read their configuration when they load: this stack's must load afresh, not the last one's.
  jest.resetModules();
  const stack = await startTestStack(qboSeedCount, { stateFile, ...options });
  /** A CLI run, in-process, with these environment variables (as `process.env` would give them). */
  const cliWith = async (env: Record<string, string>, ...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const files = new Map<string, string>();
    const code = await main(argv, {
      io: {
        out: (text) => out.push(text),
        err: (text) => err.push(text),
        interactive: false,
        writeFile: (path, content) => {
          files.set(path, content);
          return Promise.resolve();
        },
        now: Date.now,
        // The CLI's wait between looks at the stack's progress (2 s), shortened; QBO's webhook batches go out meanwhile.
        sleep: async () => {
          await stack.qbo.state.webhooks.pump();
          await new Promise((resolve) => setTimeout(resolve, 100));
        },
      },
      target: defaultTarget(stateFile),
      readStdin: () => Promise.resolve(stack.pipedrive.describe().apiToken),
      env,
      openUrl: () => Promise.reject(new Error('no browser in tests')),
    });
    return { code, out: out.join('\n'), err: err.join('\n'), files };
  };
  return { stack, cli: (...argv: string[]) => cliWith({}, ...argv), cliWith };
}

/** What a browser does with a connection link: follow the redirects (the sandbox consents at once). */
export async function openInBrowser(url: string): Promise<string> {
  let next = url;
  for (let hop = 0; hop < 6; hop++) {
    const response = await fetch(next, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (!location) return response.text();
    next = new URL(location, next).toString();
  }
  throw new Error('too many redirects');
}
