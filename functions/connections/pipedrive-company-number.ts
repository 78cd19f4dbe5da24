import { PipedriveClient } from '../pipedrive/client';
import { isConnectorError, PermanentError } from '../shared/errors';
import type { Log } from '../shared/log';

/**
 * Pipedrive's numeric company id (`users/me`), which its uninstall notice names (decision 46), read
 * with a fresh OAuth access token at connect; undefined if `users/me` fails.
 */
export async function pipedriveCompanyNumber(
  tokens: { accessToken: string; apiDomain: string },
  options: { allowHosts: readonly string[]; timeoutMs: number; log: Log },
): Promise<number | undefined> {
  try {
    const me = await new PipedriveClient(
      { apiDomain: tokens.apiDomain, allowHosts: options.allowHosts, timeoutMs: options.timeoutMs },
      {
        kind: 'oauth',
        tokens: {
          accessToken: () => Promise.resolve(tokens.accessToken),
          refreshAfterRejection: () => Promise.reject(new PermanentError('refused', { system: 'pipedrive' })),
        },
      },
      { run: (_operation, send) => send() },
    ).currentUser();
    return me.company_id;
  } catch (error) {
    options.log.warn('Pipedrive users/me failed; an uninstall notice will not find this connection', {
      kind: isConnectorError(error) ? error.kind : 'unknown',
    });
    return undefined;
  }
}
