import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTarget, main } from '../../cli/main';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { dynamoEndpoint } from '../helpers/dynamodb';
import { captureOutput } from '../helpers/lambda-env';
import { control } from '../helpers/quickbooks-sandbox';
import { localSqsClient, sqsEndpoint } from '../helpers/sqs';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { guardQuickBooksConformance } from '../helpers/quickbooks-conformance-guard';

const conformance = guardPipedriveConformance();
const qboConformance = guardQuickBooksConformance();

const dir = mkdtempSync(join(tmpdir(), 'ml-connector-cli-'));
const stateFile = join(dir, 'local.json');
let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    dynamoEndpoint: dynamoEndpoint(),
    sqsEndpoint: sqsEndpoint(),
    name: randomUUID().slice(0, 8),
    // Retries (a QBO 429 under a loaded CI machine waits ~60 s) come back in seconds, as in the chaos run.
    retryTimeScale: 1 / 30,
    qboSeedCount: 6,
    stateFile,
  });
}, 60_000);
afterAll(() => stack.close());

/** One CLI run, in-process, against the local stack through its state file and HTTP front. */
async function cli(...argv: string[]) {
  return cliWith({}, ...argv);
}

/** A CLI run with these environment variables (as `process.env` would give them). */
async function cliWith(env: Record<string, string>, ...argv: string[]) {
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
      // Polling the stack's progress; pumping QBO's webhook batches is what a real clock would do.
      sleep: async () => {
        await stack.qbo.state.webhooks.pump();
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
    },
    target: defaultTarget(stateFile),
    readStdin: () => Promise.resolve(stack.pipedrive.describe().apiToken),
    env,
    openUrl: () => Promise.reject(new Error('no browser in tests')),
  });
  return { code, out: out.join('\n'), err: err.join('\n'), files };
}

/** What a browser does with a connection link: follow the redirects (the sandbox consents at once). */
async function openInBrowser(url: string): Promise<string> {
  let next = url;
  for (let hop = 0; hop < 6; hop++) {
    const response = await fetch(next, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (!location) return response.text();
    next = new URL(location, next).toString();
  }
  throw new Error('too many redirects');
}

const liveOrgs = () => [...stack.pipedrive.store.organizations.values()].filter((o) => !o.is_deleted);

describe('the ml-connector CLI against the local stack', () => {
  let realmId = '';

  it('connects QuickBooks by a printed link and Pipedrive by API token, then proves both with ping', async () => {
    const none = await cli('ping');
    expect(none.code).toBe(1);
    expect(none.err).toContain('No QuickBooks company is connected yet');

    const link = await cli('connect', 'quickbooks', '--json');
    expect(link.code).toBe(0);
    const { url } = JSON.parse(link.out) as { url: string };
    expect(new URL(url).pathname).toBe('/oauth/quickbooks/start');
    expect(await openInBrowser(url)).toMatch(/QuickBooks company .* is connected/);
    // The link works once.
    expect(await openInBrowser(url)).toContain('already used');
    realmId = stack.qbo.describe().realmId;

    const pipedriveOrigin = stack.pipedrive.describe().apiBaseUrl;
    // A token on the command line (visible in `ps` and the shell history) is refused before anything runs.
    const onCommandLine = await cli('connect', 'pipedrive', '--api-token', 'not-a-real-token-123');
    expect(onCommandLine.code).toBe(1);
    expect(onCommandLine.err).toContain('--api-token -');
    // A refused token is reported, and logged as a failed operation, without the token itself.
    const { result: wrong, output: failureLogs } = await captureOutput(() =>
      cliWith(
        { PIPEDRIVE_API_TOKEN: 'not-a-real-token-123' },
        'connect',
        'pipedrive',
        '--api-token',
        'env',
        '--api-domain',
        pipedriveOrigin,
      ),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/ml-connector: .*(401|unauthori[sz]ed|rejected)/i);
    expect(failureLogs).toContain('operation failed');
    expect(failureLogs + wrong.err).not.toContain('not-a-real-token-123');

    // Read from stdin; neither the function logs nor the CLI output may show it.
    const { result: connected, output: logs } = await captureOutput(() =>
      cli('connect', 'pipedrive', '--api-token', '-', '--api-domain', pipedriveOrigin),
    );
    expect(connected.code).toBe(0);
    expect(logs + connected.out + connected.err).not.toContain(stack.pipedrive.describe().apiToken);
    expect(connected.out).toContain('Sandbox Trading Co');
    expect(connected.out).toContain(realmId);

    const ping = await cli('ping');
    expect(ping.code).toBe(0);
    expect(ping.out).toMatch(/QuickBooks\s+ok\s+Sandbox Company/);
    expect(ping.out).toMatch(/Pipedrive\s+ok\s+Sandbox Trading Co/);
    expect(ping.out).toContain('plan growth, 1 seat(s): 60000 tokens a day');
  }, 60_000);

  it('ping names the side that fails and exits 1', async () => {
    await control(stack.qbo, 'POST', '/faults', { path: 'companyinfo', status: 503, count: 10 });
    const ping = await cli('ping');
    await control(stack.qbo, 'DELETE', '/faults');
    expect(ping.code).toBe(1);
    expect(ping.out).toMatch(/QuickBooks\s+FAIL\s+realm \d+: .*\[transient\]/);
    expect(ping.out).toMatch(/Pipedrive\s+ok/);
  }, 30_000);

  it('prints the match report on a dry run and writes nothing; the real backfill follows the sync to the end', async () => {
    const fieldsBefore = stack.pipedrive.store.fields.length;
    const dry = await cli('backfill', '--dry-run', '--csv', 'report.csv');
    // Not even the custom fields are created by a dry run.
    expect(stack.pipedrive.store.fields.length).toBe(fieldsBefore);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/^action\s+qbo id\s+customer/);
    expect(dry.out).toContain('6 customers, 0 existing organizations');
    expect(dry.files.get('report.csv')?.split('\n')[0]).toContain('qbo_id,customer,action');
    expect(liveOrgs()).toHaveLength(0);

    const real = await cli('backfill', '--wait-seconds', '60');
    expect(real.code).toBe(0);
    expect(real.err).toMatch(/\] (\d+)\/\1 customers settled \(100 %\)/);
    expect(real.out).toMatch(/Backfill done: \d+ in sync/);
    expect(liveOrgs().length).toBeGreaterThanOrEqual(5);

    const status = await cli('status');
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/Customers: \d+ in sync, \d+ excluded, 0 failing, 0 pending/);
    expect(status.out).toContain('Pipedrive tokens today:');
  }, 90_000);

  it("replays one customer after a hand edit in Pipedrive, and shows the customer's story", async () => {
    const [customer] = stack.qbo.state
      .requireCompany(realmId)
      .all('Customer')
      .filter((c) => !c.deleted && c.record.ParentRef === undefined);
    const id = customer?.record.Id as string;
    const audit = await cli('audit', id);
    expect(audit.code).toBe(0);
    const orgId = Number(/organization (\d+)/.exec(audit.out)?.[1]);
    const org = stack.pipedrive.store.organization(orgId);
    if (!org) throw new Error(`no organization ${orgId}`);
    const expected = org.name;
    org.name = 'Edited by hand';

    const replay = await cli('replay', '--customer', id);
    expect(replay.code).toBe(0);
    for (let i = 0; i < 200 && stack.pipedrive.store.organization(orgId)?.name !== expected; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stack.pipedrive.store.organization(orgId)?.name).toBe(expected);
    // The audit entry is written after the Pipedrive write: wait for it, not for a fixed time.
    let after = await cli('audit', id);
    for (let i = 0; i < 200 && !/replay\s+updated/.test(after.out); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await cli('audit', id);
    }
    expect(after.out).toMatch(/replay\s+updated/);
  }, 60_000);

  it('moves dead-lettered work back to its queue, lists what is left, and reconciles', async () => {
    const dlq = stack.changesQueueUrl.replace(/\.fifo$/, '-dlq.fifo');
    const [customer] = stack.qbo.state
      .requireCompany(realmId)
      .all('Customer')
      .filter((c) => !c.deleted && c.record.ParentRef === undefined);
    const id = customer?.record.Id as string;
    const deadLetter = (eventId: string) =>
      localSqsClient().send(
        new SendMessageCommand({
          QueueUrl: dlq,
          MessageBody: JSON.stringify({
            v: 1,
            realmId,
            kind: 'customer',
            id,
            source: 'webhook',
            eventId,
            enqueuedAt: Date.now(),
          }),
          MessageGroupId: `${realmId}#${id}`,
          MessageDeduplicationId: eventId,
        }),
      );
    await deadLetter('dead-1');
    expect((await cli('status')).code).toBe(2);
    const before = (await cli('audit', id, '--json')).out;
    const moved = await cli('replay', '--dlq');
    expect(moved.out).toMatch(new RegExp(`changes DLQ\\s+${realmId}\\s+customer\\s+${id}\\s+webhook\\s+1`));
    expect(moved.out).toContain('1 message(s) moved back to their queue');
    // The worker takes it up again: one more entry in the customer's story.
    const entries = (text: string) => (JSON.parse(text) as { entries: unknown[] }).entries.length;
    for (let i = 0; i < 200 && entries((await cli('audit', id, '--json')).out) === entries(before); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(entries((await cli('audit', id, '--json')).out)).toBe(entries(before) + 1);

    await deadLetter('dead-2');
    const listed = await cli('replay', '--dlq', '--list');
    expect(listed.out).toContain('1 dead-lettered message(s)');

    const reconcile = await cli('reconcile');
    expect(reconcile.code).toBe(0);
    expect(reconcile.out).toMatch(new RegExp(`${realmId}\\s+6\\s+\\d+\\s+0\\s+0\\s+0`));
  }, 60_000);

  it('says what is wrong with bad input, and helps on every command', async () => {
    expect((await cli('audit', 'abc')).err).toContain('the QuickBooks customer id, a number');
    expect((await cli('replay')).err).toContain('Choose one of');
    expect((await cli('replay', '--since', 'last tuesday')).err).toContain('is not a time');
    expect((await cli('connect', 'salesforce')).code).toBe(1);
    expect((await cli('backfill', '--wait-seconds', 'ten')).err).toContain(
      '--wait-seconds takes a positive whole number',
    );
    expect((await cli('status', '--verbose')).err).toContain("Unknown option '--verbose'");
    for (const command of ['connect', 'ping', 'status', 'backfill', 'reconcile', 'replay', 'audit']) {
      const help = await cli(command, '--help');
      expect(help.code).toBe(0);
      expect(help.out).toContain(`Usage: ml-connector ${command}`);
    }
  }, 30_000);

  it('sent only spec-valid requests to Pipedrive and got spec-valid answers', () => {
    conformance.expectConforming();
  });

  it('sent QuickBooks only requests that FACTS documents (endpoints, parameters, query grammar)', () => {
    qboConformance.expectConforming();
  });
});
