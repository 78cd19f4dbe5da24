import * as z from 'zod';
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
  /** The link (or API token) may move the connection to another Pipedrive company or realm (decision 39). */
  replace: boolean;
  expiresInMinutes: number;
  env: Record<string, string | undefined>;
  json: boolean;
  readStdin: () => Promise<string>;
  openUrl: (url: string) => Promise<void>;
  /** `--yes`: connect a second QuickBooks company to a Pipedrive company without asking. */
  yes: boolean;
  /** Asks the operator at a terminal; absent when there is none. */
  confirm?: (question: string) => Promise<boolean>;
}

const Sharing = z.array(z.object({ realmId: z.string(), companyName: z.string().optional() }));
const Connected = z.union([
  z.object({ needsConfirmation: z.literal(true), companyName: z.string(), apiDomain: z.string(), sharedWith: Sharing }),
  z.object({
    companyName: z.string(),
    apiDomain: z.string(),
    released: z.number(),
    sharedWith: Sharing.default([]),
    /** The organization webhook (decision 63); absent when webhooks are off. */
    webhook: z
      .union([
        z.object({ registered: z.literal(true), webhookId: z.number() }),
        z.object({ registered: z.literal(false), reason: z.string() }),
      ])
      .optional(),
  }),
]);
const Connections = z.object({
  connections: z.array(
    z.object({
      realmId: z.string(),
      companyName: z.string().optional(),
      pipedrive: z.object({ apiDomain: z.string() }).optional(),
    }),
  ),
});

function names(realms: readonly { realmId: string; companyName?: string | undefined }[]): string {
  return realms.map((r) => `${r.companyName ?? r.realmId} (realm ${r.realmId})`).join(', ');
}

/** Several QBO companies into one Pipedrive company is supported (decision 35), but never by accident. */
async function confirmed(io: Io, options: ConnectOptions, question: string): Promise<boolean> {
  io.err(question);
  if (options.yes) return true;
  if (options.confirm && io.interactive) return options.confirm('Connect it anyway? [y/N] ');
  io.err('Run the command again with --yes to connect it anyway.');
  return false;
}

export async function connectCommand(target: Target, io: Io, options: ConnectOptions): Promise<number> {
  const provider = z.enum(['quickbooks', 'pipedrive']).safeParse(options.provider);
  if (!provider.success) throw new CliError('Usage: ml-connector connect quickbooks|pipedrive (see --help)');
  if (provider.data === 'quickbooks' && options.apiToken !== undefined)
    throw new CliError('--api-token is for Pipedrive; QuickBooks connects through OAuth only.');

  if (provider.data === 'pipedrive' && options.apiToken !== undefined) {
    const realmId = await resolveRealm(target, options.realm);
    // Never from the command line: it would show in `ps` and the shell history.
    let apiToken: string | undefined;
    if (options.apiToken === '-') apiToken = (await options.readStdin()).trim();
    else if (options.apiToken === 'env') apiToken = options.env.PIPEDRIVE_API_TOKEN?.trim();
    else
      throw new CliError(
        'An API token on the command line shows in `ps` and the shell history: use `--api-token -` (read from stdin) or `--api-token env` (read from $PIPEDRIVE_API_TOKEN).',
      );
    if (!apiToken) throw new CliError('No API token given.');
    const request = {
      command: 'connect-api-token',
      realmId,
      apiToken,
      replace: options.replace,
      ...(options.apiDomain ? { apiDomain: options.apiDomain } : {}),
    } as const;
    let connected = await operation(target, request, Connected);
    if ('needsConfirmation' in connected) {
      const question = `Pipedrive company ${connected.companyName} (${connected.apiDomain}) already receives the customers of QuickBooks ${names(connected.sharedWith)}. Both companies will write into it: each keeps its own organizations (the QuickBooks ID carries the realm), and they share one set of custom fields and one daily token budget.`;
      if (!(await confirmed(io, options, question))) return 1;
      connected = await operation(target, { ...request, confirmShared: true }, Connected);
      if ('needsConfirmation' in connected) throw new CliError('The connection was not confirmed.');
    }
    if (options.json) io.out(JSON.stringify(connected));
    else
      io.out(
        `Pipedrive company ${connected.companyName} (${connected.apiDomain}) is connected to QuickBooks company ${realmId}.${connected.sharedWith.length > 0 ? ` It also receives the customers of ${names(connected.sharedWith)}.` : ''}${connected.released > 0 ? ` ${connected.released} parked change(s) sent on.` : ''}${webhookLine(connected.webhook)}\nNext: \`ml-connector ping\`, then \`ml-connector backfill --dry-run\`.`,
      );
    return 0;
  }

  const realmId = provider.data === 'pipedrive' ? await resolveRealm(target, options.realm) : options.realm;
  if (provider.data === 'pipedrive') {
    // Which Pipedrive company the browser authorizes is known only afterwards: ask before, when one is connected.
    const { connections } = await operation(target, { command: 'status' }, Connections);
    const others = connections.filter((c) => c.realmId !== realmId && c.pipedrive !== undefined);
    if (
      others.length > 0 &&
      !(await confirmed(
        io,
        options,
        `Pipedrive ${[...new Set(others.map((c) => c.pipedrive?.apiDomain))].join(', ')} already receives the customers of QuickBooks ${names(others)}. If you authorize the same Pipedrive company, both will write into it: each keeps its own organizations, and they share one set of custom fields and one daily token budget.`,
      ))
    )
      return 1;
  }
  const { url, expiresAt } = await operation(
    target,
    {
      command: 'connect-url',
      provider: provider.data,
      replace: options.replace,
      ttlMinutes: options.expiresInMinutes,
      ...(realmId ? { realmId } : {}),
    },
    z.object({ url: z.url(), expiresAt: z.string() }),
  );
  if (options.json) io.out(JSON.stringify({ url, expiresAt, replace: options.replace }));
  else {
    const who =
      provider.data === 'quickbooks'
        ? 'signed in to QuickBooks Online as an admin of the company'
        : 'signed in to Pipedrive as an admin of the company';
    const next =
      provider.data === 'quickbooks'
        ? 'Then connect Pipedrive: `ml-connector connect pipedrive` (or `--api-token -` to give a token on stdin).'
        : 'Then check both: `ml-connector ping`.';
    io.out(
      `Open this link in a browser ${who}:\n\n  ${url}\n\n${next}\nThe link works once, until ${expiresAt}${options.replace ? ', and may move the connection to another company (--replace)' : ''}: share it only with the person connecting.`,
    );
  }
  if (options.open) await options.openUrl(url);
  return 0;
}

/** What `connect pipedrive` says about the organization webhook (decision 63). */
function webhookLine(webhook: { registered: true } | { registered: false; reason: string } | undefined): string {
  if (!webhook) return '';
  return webhook.registered
    ? ' Pipedrive sends organization changes, deletions and merges as they happen (webhook).'
    : ` The Pipedrive webhook could not be registered (${webhook.reason}): the daily Pipedrive-side reconcile covers deletions, merges and hand edits.`;
}
