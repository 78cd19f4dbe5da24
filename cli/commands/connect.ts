import { z } from 'zod';
import { operation } from '../operations';
import type { Io } from '../output';
import { CliError, type Target } from '../targets';
import { resolveRealm } from './realm';

export interface ConnectOptions {
  provider: string | undefined;
  realm?: string;
  apiToken?: string;
  apiDomain?: string;
  open: boolean;
  json: boolean;
  readStdin: () => Promise<string>;
  openUrl: (url: string) => Promise<void>;
}

export async function connectCommand(target: Target, io: Io, options: ConnectOptions): Promise<number> {
  const provider = z.enum(['quickbooks', 'pipedrive']).safeParse(options.provider);
  if (!provider.success) throw new CliError('Usage: ml-connector connect quickbooks|pipedrive (see --help)');
  if (provider.data === 'quickbooks' && options.apiToken !== undefined)
    throw new CliError('--api-token is for Pipedrive; QuickBooks connects through OAuth only.');

  if (provider.data === 'pipedrive' && options.apiToken !== undefined) {
    const realmId = await resolveRealm(target, options.realm);
    // `--api-token -` reads it from stdin, so it stays out of the shell history and the process list.
    const apiToken = options.apiToken === '-' ? (await options.readStdin()).trim() : options.apiToken;
    if (!apiToken) throw new CliError('No API token given.');
    const connected = await operation(
      target,
      {
        command: 'connect-api-token',
        realmId,
        apiToken,
        ...(options.apiDomain ? { apiDomain: options.apiDomain } : {}),
      },
      z.object({ companyName: z.string(), apiDomain: z.string(), released: z.number() }),
    );
    if (options.json) io.out(JSON.stringify(connected));
    else
      io.out(
        `Pipedrive company ${connected.companyName} (${connected.apiDomain}) is connected to QuickBooks company ${realmId}.${connected.released > 0 ? ` ${connected.released} parked change(s) sent on.` : ''}\nNext: \`ml-connector ping\`, then \`ml-connector backfill --dry-run\`.`,
      );
    return 0;
  }

  const realmId = provider.data === 'pipedrive' ? await resolveRealm(target, options.realm) : options.realm;
  const { url } = await operation(
    target,
    { command: 'connect-url', provider: provider.data, ...(realmId ? { realmId } : {}) },
    z.object({ url: z.url() }),
  );
  if (options.json) io.out(JSON.stringify({ url }));
  else {
    const who =
      provider.data === 'quickbooks'
        ? 'signed in to QuickBooks Online as an admin of the company'
        : 'signed in to Pipedrive as an admin of the company';
    const next =
      provider.data === 'quickbooks'
        ? 'Then connect Pipedrive: `ml-connector connect pipedrive` (or `--api-token TOKEN`).'
        : 'Then check both: `ml-connector ping`.';
    io.out(
      `Open this link in a browser ${who}:\n\n  ${url}\n\n${next}\nThe link carries this deployment's start token: share it only with the person connecting.`,
    );
  }
  if (options.open) await options.openUrl(url);
  return 0;
}
