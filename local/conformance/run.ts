/**
 * `npm run conformance`: runs `npm start -- --once` with every Pipedrive exchange and every QBO
 * request recorded, then checks each Pipedrive exchange against Pipedrive's official OpenAPI specs
 * with the independent validator (decision 44) and each QBO request against FACTS.md's documented
 * endpoints, parameters and query grammar. Prints the operations used and the figures; exits 1 on
 * any violation. `npm run conformance -- FILE.jsonl [QBO.jsonl]` checks existing recordings instead.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { conformanceReport } from './pipedrive-spec-check';
import { formatQuickBooksReport, quickbooksConformanceReport } from './quickbooks-report';
import { RecordedExchange } from './recorded-exchange';
import { RecordedQuickBooksRequest } from './recorded-quickbooks-request';

function runOnce(recording: string, qboRecording: string): Promise<number> {
  const root = resolve(__dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'local/start.ts'), '--once', '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      ML_CONNECTOR_PIPEDRIVE_RECORDING: recording,
      ML_CONNECTOR_QUICKBOOKS_RECORDING: qboRecording,
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

/** The QBO requests of a recording (`ML_CONNECTOR_QUICKBOOKS_RECORDING`), in order. */
export function readQuickBooksRecording(file: string): RecordedQuickBooksRequest[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => RecordedQuickBooksRequest.parse(JSON.parse(line)));
}

async function main(): Promise<void> {
  let file = process.argv[2];
  let qboFile = process.argv[3];
  if (file === undefined) {
    const directory = mkdtempSync(join(tmpdir(), 'ml-connector-conformance-'));
    file = join(directory, 'pipedrive.jsonl');
    qboFile = join(directory, 'quickbooks.jsonl');
    console.error(
      `running npm start -- --once, recording Pipedrive traffic to ${file} and QBO requests to ${qboFile} …`,
    );
    const code = await runOnce(file, qboFile);
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
  if (qboFile === undefined) return;
  if (!existsSync(qboFile)) {
    console.error('no QBO request was recorded');
    process.exitCode = 1;
    return;
  }
  const qbo = quickbooksConformanceReport(readQuickBooksRecording(qboFile));
  console.log(formatQuickBooksReport(qbo));
  if (qbo.invalidRequests > 0) process.exitCode = 1;
}

if (require.main === module) void main();
