import * as z from 'zod';
import { operation } from '../operations';
import type { Io } from '../output';
import { CliError, type Target } from '../targets';
import { resolveRealm } from './realm';

export interface DisconnectOptions {
  provider: string | undefined;
  realm?: string;
  /** `--yes`: disconnect without asking (scripts). */
  yes: boolean;
  json: boolean;
  /** Asks the operator at a terminal; absent when there is none. */
  confirm?: (question: string) => Promise<boolean>;
}

const Disconnected = z.object({ webhookRemoved: z.boolean(), grantRevoked: z.boolean() });

/** `ml-connector disconnect pipedrive`: stops writing into Pipedrive until it is connected again (decision 63). */
export async function disconnectCommand(target: Target, io: Io, options: DisconnectOptions): Promise<number> {
  if (options.provider !== 'pipedrive')
    throw new CliError('Usage: ml-connector disconnect pipedrive [--realm ID] [--yes] (see --help)');
  const realmId = await resolveRealm(target, options.realm);
  if (!options.yes) {
    const question = `Disconnect Pipedrive from QuickBooks company ${realmId}? Nothing is written into Pipedrive until \`ml-connector connect pipedrive\`; changes wait meanwhile. [y/N] `;
    if (!options.confirm || !io.interactive) {
      io.err('Disconnecting stops the sync: run the command again with --yes to disconnect.');
      return 1;
    }
    if (!(await options.confirm(question))) return 1;
  }
  const result = await operation(target, { command: 'disconnect-pipedrive', realmId }, Disconnected);
  if (options.json) io.out(JSON.stringify({ realmId, ...result }));
  else
    io.out(
      `Pipedrive is disconnected from QuickBooks company ${realmId}: its credential is forgotten${result.grantRevoked ? ' and the app grant revoked' : ''}${result.webhookRemoved ? ', its webhook deleted' : ''}. Changes wait until \`ml-connector connect pipedrive\`; the organizations stay linked.`,
    );
  return 0;
}
