import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { captureOutput } from '../helpers/lambda-env';
import { control } from '../helpers/quickbooks-sandbox';
import { localSqsClient } from '../helpers/sqs';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { guardQuickBooksConformance } from '../helpers/quickbooks-conformance-guard';
import { openInBrowser, startCliStack } from './cli-stack';
import { untilWithin } from '../helpers/until';

const conformance = guardPipedriveConformance();
const qboConformance = guardQuickBooksConformance();

/** A stack for the test alone, with the CLI pointed at it (cli-stack.ts) and what the tests read of it. */
async function startStack() {
  const started = await startCliStack(6);
  const { stack } = started;
  return {
    ...started,
    liveOrgs: () => [...stack.pipedrive.store.organizations.values()].filter((o) => !o.is_deleted),
    /** A top-level customer of the seeded company. */
    customerId: (realmId: string) => {
      const [customer] = stack.qbo.state
        .requireCompany(realmId)
        .all('Customer')
        .filter((c) => !c.deleted && c.record.ParentRef === undefined);
      return customer?.record.Id as string;
    },
  };
}
type CliStack = Awaited<ReturnType<typeof startStack>>;

const until = untilWithin(30_000);

/** Both systems connected, through the stack's own OAuth routes (as `npm start` connects them). */
async function connected(): Promise<CliStack & { realmId: string }> {
  const started = await startStack();
  const { realmId } = await started.stack.connect();
  return { ...started, realmId };
}

/** Connected, and every customer backfilled and settled. */
async function synced(): Promise<CliStack & { realmId: string }> {
  const started = await connected();
  const backfill = await started.cli('backfill', '--wait-seconds', '60');
  if (backfill.code !== 0) throw new Error(`backfill failed: ${backfill.err}`);
  return started;
}

describe('connecting with the CLI', () => {
  let running: CliStack;
  beforeAll(async () => {
    running = await startStack();
  }, 60_000);
  afterAll(() => running.stack.close());

  it('connects QuickBooks by a printed link and Pipedrive by API token, then proves both with ping', async () => {
    const { stack, cli, cliWith } = running;
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
    const realmId = stack.qbo.describe().realmId;

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
    const { result: connectedNow, output: logs } = await captureOutput(() =>
      cli('connect', 'pipedrive', '--api-token', '-', '--api-domain', pipedriveOrigin),
    );
    expect(connectedNow.code).toBe(0);
    expect(logs + connectedNow.out + connectedNow.err).not.toContain(stack.pipedrive.describe().apiToken);
    expect(connectedNow.out).toContain('Sandbox Trading Co');
    expect(connectedNow.out).toContain(realmId);

    const ping = await cli('ping');
    expect(ping.code).toBe(0);
    expect(ping.out).toMatch(/QuickBooks\s+ok\s+Sandbox Company/);
    expect(ping.out).toMatch(/Pipedrive\s+ok\s+Sandbox Trading Co/);
    expect(ping.out).toContain('plan growth, 1 seat(s): 60000 tokens a day');
  }, 60_000);

  it('says what is wrong with bad input, in one line naming the flag, and helps on every command', async () => {
    const { cli } = running;
    const oneLine = async (...argv: string[]) => {
      const result = await cli(...argv);
      expect(result.code).toBe(1);
      expect(result.err.split('\n')).toHaveLength(1);
      return result.err;
    };
    expect(await oneLine('audit', 'abc')).toContain('the QuickBooks customer id, a number');
    expect(await oneLine('replay')).toContain('Choose one of');
    expect(await oneLine('replay', '--since', 'last tuesday')).toContain('is not a time');
    await oneLine('connect', 'salesforce');
    expect(await oneLine('backfill', '--wait-seconds', 'ten')).toContain(
      '--wait-seconds takes a positive whole number',
    );
    // parseArgs would take "-5" for an option; the message is ours, not its.
    expect(await oneLine('backfill', '--wait-seconds', '-5')).toBe(
      'ml-connector: --wait-seconds takes a positive whole number, not "-5"',
    );
    expect(await oneLine('audit', '1', '--limit')).toContain('--limit needs a value');
    expect(await oneLine('status', '--verbose')).toContain("Unknown option '--verbose'");
    expect(await oneLine('status', '--json=yes')).toContain('--json takes no value');
    expect(await oneLine('mapping', 'edit')).toContain('Usage: ml-connector mapping plan FILE');
    expect(await oneLine('mapping', 'plan')).toContain("Name the mapping document's file");
    expect(await oneLine('mapping', 'plan', '/nonexistent/mapping.json')).toContain(
      'cannot read /nonexistent/mapping.json',
    );
    expect(await oneLine('mapping', 'rollback', '--to', 'two')).toContain('--to takes a positive whole number');
    for (const command of ['connect', 'ping', 'status', 'backfill', 'reconcile', 'replay', 'audit', 'mapping']) {
      const help = await cli(command, '--help');
      expect(help.code).toBe(0);
      expect(help.out).toContain(`Usage: ml-connector ${command}`);
    }
  }, 30_000);
});

describe('backfilling with the CLI', () => {
  let running: CliStack;
  beforeAll(async () => {
    running = await connected();
  }, 60_000);
  afterAll(() => running.stack.close());

  it('prints the match report on a dry run and writes nothing; the real backfill follows the sync to the end', async () => {
    const { stack, cli, liveOrgs } = running;
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
});

describe('operating a synced stack with the CLI', () => {
  let running: CliStack & { realmId: string };
  beforeAll(async () => {
    running = await synced();
  }, 120_000);
  afterAll(() => running.stack.close());

  it('ping names the side that fails and exits 1', async () => {
    const { stack, cli } = running;
    await control(stack.qbo, 'POST', '/faults', { path: 'companyinfo', status: 503, count: 10 });
    const ping = await cli('ping');
    await control(stack.qbo, 'DELETE', '/faults');
    expect(ping.code).toBe(1);
    expect(ping.out).toMatch(/QuickBooks\s+FAIL\s+realm \d+: .*\[transient\]/);
    expect(ping.out).toMatch(/Pipedrive\s+ok/);
  }, 30_000);

  it("replays one customer after a hand edit in Pipedrive, and shows the customer's story", async () => {
    const { stack, cli, realmId, customerId } = running;
    const id = customerId(realmId);
    const audit = await cli('audit', id);
    expect(audit.code).toBe(0);
    const orgId = Number(/organization (\d+)/.exec(audit.out)?.[1]);
    const org = stack.pipedrive.store.organization(orgId);
    if (!org) throw new Error(`no organization ${orgId}`);
    const expected = org.name;
    org.name = 'Edited by hand';

    const replay = await cli('replay', '--customer', id);
    expect(replay.code).toBe(0);
    await until(() => stack.pipedrive.store.organization(orgId)?.name === expected, 'the organization repaired');
    // The audit entry is written after the Pipedrive write: wait for it.
    await until(async () => /replay\s+updated/.test((await cli('audit', id)).out), 'the replay in the audit');
  }, 60_000);

  it('refuses a customer or a realm that does not exist, with exit 1, and queues nothing', async () => {
    const { cli, realmId } = running;
    const replay = await cli('replay', '--customer', '99999');
    expect(replay.code).toBe(1);
    expect(replay.err).toBe(`ml-connector: QuickBooks company ${realmId} has no customer 99999`);
    expect(replay.out).not.toContain('queued');
    const audit = await cli('audit', '99999');
    expect(audit.code).toBe(1);
    expect(audit.err).toBe(`ml-connector: QuickBooks company ${realmId} has no customer 99999`);
    const ping = await cli('ping', '--realm', '123');
    expect(ping.code).toBe(1);
    expect(ping.err).toMatch(/^ml-connector: no QuickBooks company with realm 123 is connected/);
  }, 30_000);

  it('moves dead-lettered work back to its queue and lists what is left', async () => {
    const { stack, cli, realmId, customerId } = running;
    const dlq = stack.changesQueueUrl.replace(/\.fifo$/, '-dlq.fifo');
    const id = customerId(realmId);
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
    await deadLetter(`dead-${randomUUID()}`);
    expect((await cli('status')).code).toBe(2);
    const entries = async () =>
      (JSON.parse((await cli('audit', id, '--json')).out) as { entries: unknown[] }).entries.length;
    const before = await entries();
    const moved = await cli('replay', '--dlq');
    expect(moved.out).toMatch(new RegExp(`changes DLQ\\s+${realmId}\\s+customer\\s+${id}\\s+webhook\\s+1`));
    expect(moved.out).toContain('1 message(s) moved back to their queue');
    // The worker takes it up again: one more entry in the customer's story.
    await until(async () => (await entries()) === before + 1, 'the replayed message in the audit');

    await deadLetter(`dead-${randomUUID()}`);
    const listed = await cli('replay', '--dlq', '--list');
    expect(listed.out).toContain('1 dead-lettered message(s)');
    await cli('replay', '--dlq');
  }, 60_000);

  it('reconciles, and counts the customers in the words and numbers of status', async () => {
    const { cli, realmId } = running;
    const reconcile = await cli('reconcile');
    expect(reconcile.code).toBe(0);
    expect(reconcile.out).toContain(`(realm ${realmId})`);
    expect(reconcile.out).toContain('QuickBooks customers: 6');
    expect(reconcile.out).toMatch(/Queued for a fresh push: \d+/);
    const counts = /Customers: .*/.exec(reconcile.out)?.[0];
    expect(counts).toMatch(/^Customers: \d+ in sync, \d+ excluded, 0 failing, 0 pending/);
    // The same line as status prints (up to what status adds after a semicolon).
    expect((await cli('status')).out).toContain(counts);
  }, 60_000);

  it('sent only spec-valid requests to Pipedrive and got spec-valid answers', () => {
    conformance.expectConforming();
  });

  it('sent QuickBooks only requests that FACTS documents (endpoints, parameters, query grammar)', () => {
    qboConformance.expectConforming();
  });
});
