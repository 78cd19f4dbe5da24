import { errorKind, PermanentError } from '../shared/errors';
import type { Log } from '../shared/log';
import type { ConnectionStore } from '../store/connections';
import type { TokenCipher } from '../store/token-cipher';
import type { TokenStore } from '../store/token-store';
import { TokenPayload } from './token-lifecycle';

/** Why a connection whose Pipedrive side the operator disconnected waits, and how it resumes. */
export const DISCONNECTED_REASON =
  'pipedrive: disconnected by the operator; `ml-connector connect pipedrive` connects it again';

export interface PipedriveDisconnectDependencies {
  connections: Pick<ConnectionStore, 'get' | 'setStatus'>;
  tokens: Pick<TokenStore, 'read' | 'forget'>;
  cipher: TokenCipher;
  /** Removes the connection's organization webhook in Pipedrive and forgets its credentials (decision 63). */
  removeWebhook: (realmId: string) => Promise<boolean>;
  /** Revokes an OAuth refresh token at Pipedrive; absent when the deployment has no Pipedrive OAuth app. */
  revoke?: (refreshToken: string) => Promise<void>;
  now: () => number;
  log: Log;
}

export interface PipedriveDisconnected {
  /** The webhook was deleted in Pipedrive (false: there was none, or Pipedrive refused; its deliveries get 401). */
  webhookRemoved: boolean;
  /** The OAuth grant was revoked at Pipedrive (false for an API token, which only its user can revoke). */
  grantRevoked: boolean;
}

/**
 * `ml-connector disconnect pipedrive` (decision 63): the webhook goes first, while the tokens still
 * work; then the OAuth grant is revoked and the stored credential forgotten. The connection is
 * paused, its links and Pipedrive company kept: changes wait parked, and `connect pipedrive` to the
 * same company resumes where it stopped. Pipedrive refusing a delete or a revoke does not stop it.
 */
export async function disconnectPipedrive(
  realmId: string,
  deps: PipedriveDisconnectDependencies,
): Promise<PipedriveDisconnected> {
  const connection = await deps.connections.get(realmId);
  if (!connection?.pipedrive)
    throw new PermanentError(`QuickBooks company ${realmId} has no Pipedrive company connected`, {
      system: 'pipedrive',
    });
  const webhookRemoved = await deps.removeWebhook(realmId);
  const grantRevoked = await revokeGrant(realmId, deps);
  await deps.tokens.forget(realmId, 'pipedrive');
  // A connection stopped for QuickBooks keeps its status and reason: `connect pipedrive` resumes only
  // what stopped for Pipedrive, so overwritten it would be made active with a dead QuickBooks grant.
  const stoppedForQuickBooks = connection.status !== 'active' && !connection.statusReason?.startsWith('pipedrive:');
  if (!stoppedForQuickBooks) await deps.connections.setStatus(realmId, 'paused', deps.now(), DISCONNECTED_REASON);
  deps.log.warn('Pipedrive disconnected by the operator', { realmId, webhookRemoved, grantRevoked });
  return { webhookRemoved, grantRevoked };
}

async function revokeGrant(realmId: string, deps: PipedriveDisconnectDependencies): Promise<boolean> {
  const stored = await deps.tokens.read(realmId, 'pipedrive');
  if (!stored || !deps.revoke) return false;
  try {
    const plaintext = await deps.cipher.decrypt(stored.ciphertext, { connection: realmId, provider: 'pipedrive' });
    const payload = TokenPayload.parse(JSON.parse(plaintext));
    if (payload.kind !== 'oauth') return false;
    await deps.revoke(payload.refreshToken);
    return true;
  } catch (error) {
    deps.log.warn('Pipedrive grant not revoked', { realmId, kind: errorKind(error) });
    return false;
  }
}
