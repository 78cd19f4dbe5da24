import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTarget, main } from '../../cli/main';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { dynamoEndpoint } from '../helpers/dynamodb';
import { control } from '../helpers/quickbooks-sandbox';
import { sqsEndpoint } from '../helpers/sqs';

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
    qboSeedCount: 3,
    stateFile,
  });
}, 60_000);
afterAll(() => stack.close());

/** One CLI run, in-process, against the local stack through its state file and HTTP front. */
async function cli(...argv: string[]) {
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

describe('the CLI with two QuickBooks companies writing into one Pipedrive company', () => {
  it('asks before sharing a Pipedrive company, pings every connection and shows the budget once', async () => {
    const origin = stack.pipedrive.describe().apiBaseUrl;
    const first = stack.qbo.describe().realmId;
    const link = JSON.parse((await cli('connect', 'quickbooks', '--json')).out) as { url: string };
    await openInBrowser(link.url);
    expect((await cli('connect', 'pipedrive', '--api-token', '-', '--api-domain', origin)).code).toBe(0);

    const second = (
      (await control(stack.qbo, 'POST', '/realms', { companyName: 'Second Books Ltd' })).body as {
        realmId: string;
      }
    ).realmId;
    await control(stack.qbo, 'PUT', '/oauth', { consentRealm: second });
    const secondLink = JSON.parse((await cli('connect', 'quickbooks', '--json')).out) as { url: string };
    expect(await openInBrowser(secondLink.url)).toMatch(/is connected/);

    // Not at a terminal and without --yes: it says so and connects nothing.
    const asked = await cli('connect', 'pipedrive', '--realm', second, '--api-token', '-', '--api-domain', origin);
    expect(asked.code).toBe(1);
    expect(asked.err).toContain('already receives the customers of QuickBooks Sandbox Company');
    expect(asked.err).toContain('--yes');
    const status = async () =>
      JSON.parse((await cli('status', '--json')).out) as {
        connections: { realmId: string; pipedrive?: unknown }[];
        pipedriveCompanies: { realms: { realmId: string }[] }[];
      };
    expect((await status()).connections.find((c) => c.realmId === second)?.pipedrive).toBeUndefined();
    // The OAuth link is refused the same way: which company the browser picks is known only afterwards.
    expect((await cli('connect', 'pipedrive', '--realm', second)).code).toBe(1);

    const confirmed = await cli(
      'connect',
      'pipedrive',
      '--realm',
      second,
      '--api-token',
      '-',
      '--api-domain',
      origin,
      '--yes',
    );
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toContain(`It also receives the customers of Sandbox Company_US_1 (realm ${first})`);
    const shared = await status();
    expect(shared.pipedriveCompanies).toHaveLength(1);
    expect(shared.pipedriveCompanies[0]?.realms.map((r) => r.realmId).sort()).toEqual([first, second].sort());

    // Without --realm, ping checks both connections and prints the shared budget once.
    const ping = await cli('ping');
    expect(ping.code).toBe(0);
    expect(ping.out).toContain(`realm ${first}`);
    expect(ping.out).toContain(`realm ${second}`);
    expect(ping.out.match(/tokens a day/g)).toHaveLength(1);
    expect(ping.out).toContain('shared by 2 QuickBooks companies');

    const printed = await cli('status');
    expect(printed.out.match(/of the connector's share of/g)).toHaveLength(1);
    expect(printed.out).toContain('shared by 2 QuickBooks companies');
  }, 90_000);
});
