import type { LocalStack } from '../../local/stack/local-stack';
import { control } from '../helpers/quickbooks-sandbox';
import { openInBrowser, startCliStack } from './cli-stack';

let stack: LocalStack;
let cli: Awaited<ReturnType<typeof startCliStack>>['cli'];
beforeAll(async () => {
  ({ stack, cli } = await startCliStack(3));
}, 60_000);
afterAll(() => stack.close());

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
