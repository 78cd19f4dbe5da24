/**
 * `npm run conformance`: runs `npm start -- --once` with every Pipedrive exchange recorded, then
 * checks each against Pipedrive's official OpenAPI specs with the independent validator
 * (decision 44). Prints the operations used and the figures; exits 1 on any violation.
 * `npm run conformance -- FILE.jsonl` checks an existing recording instead.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { conformanceReport } from './pipedrive-spec-check';
import { RecordedExchange } from './recorded-exchange';

function runOnce(recording: string): Promise<number> {
  const root = resolve(__dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'local/start.ts'), '--once', '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      ML_CONNECTOR_PIPEDRIVE_RECORDING: recording,
      ML_CONNECTOR_LOCAL_STATE: join(recording, '..', 'local.json'),
    },
  });
  return new Promise((done) => {
    child.once('exit', (code) => {
      done(code ?? 1);
    });
  });
}

export function readRecording(file: string): RecordedExchange[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => RecordedExchange.parse(JSON.parse(line)));
}

async function main(): Promise<void> {
  let file = process.argv[2];
  if (file === undefined) {
    file = join(mkdtempSync(join(tmpdir(), 'ml-connector-conformance-')), 'pipedrive.jsonl');
    console.error(`running npm start -- --once, recording Pipedrive traffic to ${file} …`);
    const code = await runOnce(file);
    if (code !== 0) console.error(`npm start -- --once exited with ${code}`);
    if (!existsSync(file)) {
      console.error('no Pipedrive traffic was recorded');
      process.exit(1);
    }
  }
  const report = conformanceReport(readRecording(file));
  console.log(`Pipedrive exchanges checked: ${report.exchanges}`);
  console.log('Operations used:');
  for (const [operation, count] of Object.entries(report.operations).sort()) console.log(`  ${count}\t${operation}`);
  console.log(`Spec-invalid requests: ${report.invalidRequests}`);
  console.log(`Spec-invalid responses: ${report.invalidResponses}`);
  for (const violation of report.violations) console.log(`  ${violation.operation}: ${violation.problems.join('; ')}`);
  if (report.invalidRequests > 0 || report.invalidResponses > 0) process.exitCode = 1;
}

if (require.main === module) void main();
