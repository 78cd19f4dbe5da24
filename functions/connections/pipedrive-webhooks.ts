import type { PipedriveClient } from '../pipedrive/client';
import { isConnectorError } from '../shared/errors';
import type { Log } from '../shared/log';
import type { ConnectionStore } from '../store/connections';
import { newWebhookCredentials } from './pipedrive-webhook-credentials';

export interface WebhookRegistrationDependencies {
  connections: Pick<ConnectionStore, 'get' | 'setPipedriveWebhook'>;
  /** The connection's Pipedrive client, through its budget governor (10 tokens to create, 6 to delete). */
  pipedrive: Pick<PipedriveClient, 'createOrganizationWebhook' | 'deleteWebhook'>;
  now: () => number;
  log: Log;
}

/** What `connect pipedrive` says about the webhook: registered, off, or refused (the daily reconcile covers it). */
export type WebhookRegistration = { registered: true; webhookId: number } | { registered: false; reason: string };

/**
 * Subscribes the connection's URL to Pipedrive organization events (decision 63): random Basic-auth
 * credentials, of which only a salted hash is stored; the password goes to Pipedrive once and is
 * never logged. A webhook registered before (a reconnect) is removed first. Refused (not an admin,
 * the 40-webhook limit), the connection still stands without it.
 */
export async function registerOrganizationWebhook(
  realmId: string,
  subscriptionUrl: string,
  deps: WebhookRegistrationDependencies,
): Promise<WebhookRegistration> {
  await removeOrganizationWebhook(realmId, deps);
  const credentials = newWebhookCredentials();
  try {
    const webhookId = await deps.pipedrive.createOrganizationWebhook({
      subscriptionUrl,
      name: `ml-connector ${realmId}`,
      httpAuthUser: credentials.user,
      httpAuthPassword: credentials.password,
    });
    await deps.connections.setPipedriveWebhook(realmId, { id: webhookId, ...credentials.stored }, deps.now());
    deps.log.info('Pipedrive webhook registered', { realmId, webhookId });
    return { registered: true, webhookId };
  } catch (error) {
    const kind = isConnectorError(error) ? error.kind : 'unknown';
    deps.log.warn('Pipedrive webhook not registered; the daily reconcile covers it', { realmId, kind });
    return { registered: false, reason: isConnectorError(error) ? error.message : 'Pipedrive did not accept it' };
  }
}

/**
 * Removes the connection's webhook, if any (decision 63). The stored credentials go first, so a
 * delivery after this gets 401 even when Pipedrive refuses the delete (an uninstalled app's token).
 */
export async function removeOrganizationWebhook(
  realmId: string,
  deps: Pick<WebhookRegistrationDependencies, 'connections' | 'now' | 'log'> & {
    pipedrive: Pick<PipedriveClient, 'deleteWebhook'> | undefined;
  },
): Promise<boolean> {
  const webhook = (await deps.connections.get(realmId))?.pipedriveWebhook;
  if (!webhook) return false;
  await deps.connections.setPipedriveWebhook(realmId, undefined, deps.now());
  if (!deps.pipedrive) return false;
  try {
    await deps.pipedrive.deleteWebhook(webhook.id);
    deps.log.info('Pipedrive webhook removed', { realmId, webhookId: webhook.id });
    return true;
  } catch (error) {
    deps.log.warn('Pipedrive webhook could not be removed; its deliveries now get 401', {
      realmId,
      webhookId: webhook.id,
      kind: isConnectorError(error) ? error.kind : 'unknown',
    });
    return false;
  }
}

/** The sentence `connect pipedrive` adds about the webhook. */
export function webhookSentence(registration: WebhookRegistration | undefined): string {
  if (!registration) return '';
  return registration.registered
    ? ' Pipedrive sends organization changes, deletions and merges here as they happen.'
    : ` Pipedrive's webhook could not be registered (${registration.reason}): the daily Pipedrive-side reconcile covers deletions, merges and hand edits.`;
}
