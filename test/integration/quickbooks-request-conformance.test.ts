import * as z from 'zod';
import { QuickBooksClient } from '../../functions/quickbooks/client';
import type { AccessTokenSource } from '../../functions/quickbooks/client-config';
import { QuickBooksOAuthClient } from '../../functions/quickbooks/oauth-client';
import { recordQuickBooksTraffic } from '../../local/conformance/quickbooks-recorder';
import { quickbooksConformanceReport } from '../../local/conformance/quickbooks-report';
import type { QuickBooksSandbox } from '../../local/quickbooks';
import { accessToken, control, SANDBOX_EPOCH, startTestQuickBooks } from '../helpers/quickbooks-sandbox';

const Issued = z.looseObject({ access_token: z.string(), refresh_token: z.string() });

/**
 * The QBO recorder sees what the connector's own clients really send to the sandbox, and the
 * independent check (FACTS.md) passes every call they make, and fails a request that breaks a rule.
 */
describe('the connector’s QBO requests, recorded at the sandbox and checked against FACTS.md', () => {
  let sandbox: QuickBooksSandbox;
  let realm: string;
  let recording: ReturnType<typeof recordQuickBooksTraffic>;

  const client = async (config: { minorVersion?: number; idsPerQuery?: number } = {}) => {
    const token = await accessToken(sandbox);
    const tokens: AccessTokenSource = {
      accessToken: () => Promise.resolve(token),
      refreshAfterRejection: () => accessToken(sandbox),
    };
    return new QuickBooksClient(
      { apiBaseUrl: sandbox.url, realmId: realm, timeoutMs: 5000, ...config },
      tokens,
      fetch,
      () => sandbox.clock.now(),
    );
  };

  beforeEach(async () => {
    sandbox = await startTestQuickBooks({ seed: { reference: 'customers' } });
    realm = sandbox.describe().realmId;
    recording = recordQuickBooksTraffic();
  });
  afterEach(async () => {
    recording.stop();
    await sandbox.close();
  });

  it('passes every kind of call the API and OAuth clients make, and keeps no secret', async () => {
    const qbo = await client({ idsPerQuery: 300 });
    const since = new Date(sandbox.clock.now() - 86_400_000).toISOString();
    // 300 long ids make the GET URL too long: the statement is POSTed instead (FACTS §5 l.364).
    await qbo.readCustomers(['1', '2', ...Array.from({ length: 298 }, (_, i) => String(1_000_000 + i))]);
    await qbo.countCustomers();
    for await (const page of qbo.customerPages(since)) expect(page.invalid).toEqual([]);
    for await (const page of qbo.transactionPages('Payment', since)) expect(page).toBeDefined();
    await qbo.childrenOf(['1', '2']);
    await qbo.changes(since);
    await qbo.customersOf('Invoice', ['1']);
    await qbo.overdueBalances(['1', '2'], new Date(SANDBOX_EPOCH).toISOString().slice(0, 10));
    await qbo.termNames();
    await qbo.companyInfo();

    const app = sandbox.describe();
    const oauth = new QuickBooksOAuthClient({
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUri: app.redirectUris[0] ?? '',
      authorizeUrl: app.authorizeUrl,
      tokenUrl: app.tokenUrl,
      revokeUrl: app.revokeUrl,
      timeoutMs: 5000,
    });
    const issued = Issued.parse((await control(sandbox, 'POST', '/oauth/tokens', { realmId: realm })).body);
    const refreshed = await oauth.refresh(issued.refresh_token);
    await oauth.revoke(refreshed.refreshToken);

    const report = quickbooksConformanceReport(recording.requests);
    expect(report.violations).toEqual([]);
    expect(Object.keys(report.operations).sort()).toEqual([
      'GET cdc',
      'GET companyinfo/{id}',
      'GET query (Customer)',
      'GET query (Invoice)',
      'GET query (Payment)',
      'GET query (Term)',
      'POST oauth2 revoke',
      'POST oauth2 token (refresh_token)',
      'POST query (Customer)',
    ]);
    const recorded = JSON.stringify(recording.requests);
    for (const secret of [
      issued.access_token,
      issued.refresh_token,
      refreshed.accessToken,
      refreshed.refreshToken,
      app.clientSecret,
    ])
      expect(recorded).not.toContain(secret);
  });

  it('fails what the connector would send with a minor version other than 75, or a CDC window past 30 days', async () => {
    const qbo = await client({ minorVersion: 65 });
    await qbo.countCustomers();
    const current = await client();
    // The sandbox refuses it too; the check does not rely on that.
    await expect(current.changes(new Date(sandbox.clock.now() - 31 * 86_400_000).toISOString())).rejects.toThrow();
    const report = quickbooksConformanceReport(recording.requests);
    expect(report.violations).toEqual([
      {
        operation: 'GET query (Customer)',
        problems: [expect.stringMatching(/minorversion must be 75/)],
        allowances: [],
      },
      {
        operation: 'GET cdc',
        problems: [expect.stringMatching(/changedSince is more than 30 days back/)],
        allowances: [expect.stringMatching(/^Payment is not named/)],
      },
    ]);
  });
});
