import type { PipedriveClient } from '../pipedrive/client';
import { errorKind, isConnectorError } from '../shared/errors';
import type { Log } from '../shared/log';
import type { Connection, ConnectionStore } from '../store/connections';
import { newWebhookCredentials } from './pipedrive-webhook-credentials';

export interface WebhookRegistrationDependencies {
  connections: {
    get(realmId: string): Promise<Pick<Connection, 'pipedriveWebhook'> | undefined>;
    setPipedriveWebhook: ConnectionStore['setPipedriveWebhook'];
  };
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
    return { registered: true, webhookId };
  } catch (error) {
    deps.log.warn('Pipedrive webhook refused', { realmId, kind: errorKind(error) });
    return { registered: false, reason: isConnectorError(error) ? error.message : 'refused' };
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
  const deleted = deps.pipedrive?.deleteWebhook(webhook.id).then(
    () => true,
    (error: unknown) => {
      deps.log.warn('Pipedrive webhook not removed', { realmId, kind: errorKind(error) });
      return false;
    },
  );
  return (await deleted) ?? false;
}
