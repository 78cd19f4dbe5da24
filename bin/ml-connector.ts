import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_LOCAL_STATE_FILE } from '../cli/local-state';
import { defaultTarget, main } from '../cli/main';
import { writePrivateFile } from '../cli/private-file';

// `ml-connector ping | head -1`: the reader has gone, so the rest has no one to read it; end quietly.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit();
  });

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Opens a URL with the platform's opener; the link is also printed, so a failure here is only reported. */
function openUrl(url: string): Promise<void> {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  return new Promise((resolve) => {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {
      process.stderr.write(`Could not start ${opener}; open the link above by hand.\n`);
      resolve();
    });
    child.on('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

main(process.argv.slice(2), {
  io: {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(text.startsWith('\r') || text.endsWith('\n') ? text : `${text}\n`),
    interactive: process.stderr.isTTY,
    writeFile: writePrivateFile,
    now: Date.now,
    sleep: (ms) => sleep(ms),
  },
  target: defaultTarget(process.env.ML_CONNECTOR_LOCAL_STATE ?? DEFAULT_LOCAL_STATE_FILE),
  readStdin,
  openUrl,
  ...(process.stdin.isTTY
    ? {
        confirm: async (question: string) => {
          const prompt = createInterface({ input: process.stdin, output: process.stderr });
          try {
            return /^y(es)?$/i.test((await prompt.question(question)).trim());
          } finally {
            prompt.close();
          }
        },
      }
    : {}),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ml-connector: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 70;
  },
);
