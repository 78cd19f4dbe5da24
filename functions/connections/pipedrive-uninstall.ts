import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from '../shared/zod-mini';
import type { PipedriveOAuthConfig } from '../pipedrive/oauth-client';
import type { ConnectionStore } from '../store/connections';
import type { Log } from '../shared/log';
import { removeOrganizationWebhook } from './pipedrive-webhooks';

/**
 * Pipedrive's app-uninstall callback (decision 46): after a company uninstalls the app, the OAuth
 * server sends a `DELETE` with JSON `{ client_id, company_id, user_id, timestamp }` to the app's
 * callback URL, with HTTP Basic auth of the client id and secret
 * (https://pipedrive.readme.io/docs/app-uninstallation). The answer is not read by Pipedrive.
 */
export const UninstallNotice = z.looseObject({
  client_id: z.optional(z.string()),
  company_id: z.union([z.number().check(z.int()), z.string().check(z.minLength(1))]),
  user_id: z.optional(z.union([z.number().check(z.int()), z.string()])),
  timestamp: z.optional(z.string()),
});

export interface UninstallOutcome {
  status: 200 | 400 | 401;
  /** Realms whose Pipedrive side is now disconnected. */
  disconnected: string[];
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** `Basic base64(client_id:client_secret)`, compared in constant time (digests, so lengths do not leak). */
export function isPipedriveBasicAuth(header: string | undefined, oauth: PipedriveOAuthConfig): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  const presented = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const expected = `${oauth.clientId}:${oauth.clientSecret}`;
  const same = timingSafeEqual(digest(presented), digest(expected));
  return match !== null && same;
}

/**
 * Verifies the notice and marks the Pipedrive side of every OAuth connection into that company
 * `needs_reauth`: its work is parked (the worker cannot get clients) and the NeedsReauth alarm
 * counts it, until someone installs the app again. A bad or missing Basic auth changes nothing.
 */
export async function handlePipedriveUninstall(
  deps: {
    connections: Pick<ConnectionStore, 'list' | 'setStatus' | 'get' | 'setPipedriveWebhook'>;
    oauth: PipedriveOAuthConfig | undefined;
    now: () => number;
    log: Log;
  },
  request: { authorization: string | undefined; body: string | undefined },
): Promise<UninstallOutcome> {
  if (!deps.oauth || !isPipedriveBasicAuth(request.authorization, deps.oauth)) {
    deps.log.warn('Pipedrive uninstall notice refused: bad or missing Basic auth');
    return { status: 401, disconnected: [] };
  }
  let json: unknown;
  try {
    json = JSON.parse(request.body ?? '');
  } catch {
    json = undefined;
  }
  const notice = UninstallNotice.safeParse(json);
  if (!notice.success) return { status: 400, disconnected: [] };
  const companyId = String(notice.data.company_id);
  const disconnected: string[] = [];
  for (const connection of await deps.connections.list()) {
    const pipedrive = connection.pipedrive;
    if (pipedrive?.auth !== 'oauth' || String(pipedrive.companyNumber) !== companyId) continue;
    await deps.connections.setStatus(
      connection.realmId,
      'needs_reauth',
      deps.now(),
      'pipedrive: the app was uninstalled in Pipedrive; install it again to reconnect',
    );
    // The app's grant is gone, so its webhook cannot be deleted through it: its credentials are, and every
    // later delivery gets 401; Pipedrive deletes a webhook after 3 days without a 2xx (decision 63).
    await removeOrganizationWebhook(connection.realmId, { ...deps, pipedrive: undefined });
    disconnected.push(connection.realmId);
  }
  deps.log.warn('Pipedrive app uninstalled', { companyId, disconnected: disconnected.length });
  return { status: 200, disconnected };
}
