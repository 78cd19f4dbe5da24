import * as z from 'zod';
import { operation } from '../operations';
import { CliError, type Target } from '../targets';

const Connections = z.object({
  connections: z.array(z.object({ realmId: z.string(), companyName: z.string().optional() })),
});

/** The QuickBooks company a command is about: `--realm`, or the only one connected. */
export async function resolveRealm(target: Target, given: string | undefined): Promise<string> {
  if (given) return given;
  const { connections } = await operation(target, { command: 'status' }, Connections);
  if (connections.length === 1 && connections[0]) return connections[0].realmId;
  if (connections.length === 0)
    throw new CliError('No QuickBooks company is connected yet: run `ml-connector connect quickbooks` first.');
  throw new CliError(
    `Several QuickBooks companies are connected; choose one with --realm: ${connections.map((c) => `${c.realmId}${c.companyName ? ` (${c.companyName})` : ''}`).join(', ')}`,
  );
}
