import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { isLoopback, listeningSockets } from '../helpers/listening-sockets';

const ROOT = join(__dirname, '..', '..');

describe('npm run sandbox', () => {
  it('prints one JSON line with what a client needs, serves it, and stops cleanly on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'local', 'sandbox.ts')],
      {
        env: { ...process.env, QBO_SANDBOX_PORT: '0', PIPEDRIVE_SANDBOX_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, 'line')) as [string];
      const description = JSON.parse(first) as {
        quickbooks: Record<string, unknown>;
        pipedrive: Record<string, unknown>;
      };
      expect(Object.keys(description.quickbooks).sort()).toEqual(
        [
          'apiBaseUrl',
          'authorizeUrl',
          'clientId',
          'clientSecret',
          'controlUrl',
          'discoveryUrl',
          'jwksUrl',
          'realmId',
          'redirectUris',
          'revokeUrl',
          'tokenUrl',
          'userInfoUrl',
          'verifierToken',
        ].sort(),
      );
      expect(Object.keys(description.pipedrive).sort()).toEqual([
        'apiBaseUrl',
        'apiToken',
        'apiTokenBaseUrl',
        'companyId',
        'controlUrl',
        'oauth',
        'plan',
        'seats',
      ]);
      expect(Object.keys(description.pipedrive.oauth as object).sort()).toEqual([
        'authorizeUrl',
        'clientId',
        'clientSecret',
        'redirectUris',
        'revokeUrl',
        'tokenUrl',
      ]);
      const organizations = await fetch(`${String(description.pipedrive.apiBaseUrl)}/api/v2/organizations`, {
        headers: { 'x-api-token': String(description.pipedrive.apiToken) },
      });
      expect(organizations.status).toBe(200);
      const control = await fetch(String(description.quickbooks.controlUrl));
      expect(control.status).toBe(200);
      expect(await control.json()).toEqual(description.quickbooks);

      const tokens = await fetch(`${String(description.quickbooks.controlUrl)}/oauth/tokens`, {
        method: 'POST',
        body: JSON.stringify({ realmId: description.quickbooks.realmId }),
      });
      const { access_token } = (await tokens.json()) as { access_token: string };
      const count = await fetch(
        `${String(description.quickbooks.apiBaseUrl)}/v3/company/${String(description.quickbooks.realmId)}/query?query=${encodeURIComponent('select count(*) from Customer')}`,
        { headers: { authorization: `Bearer ${access_token}` } },
      );
      expect(
        ((await count.json()) as { QueryResponse: { totalCount: number } }).QueryResponse.totalCount,
      ).toBeGreaterThan(0);
      // Both sandboxes listen on loopback only.
      const sockets = listeningSockets(child.pid ?? -1);
      expect(sockets.length).toBeGreaterThanOrEqual(2);
      expect(sockets.filter((socket) => !isLoopback(socket))).toEqual([]);
    } finally {
      child.kill('SIGINT');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
