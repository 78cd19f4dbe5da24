import { mintLinkToken } from '../../functions/connections/connection-links';

/** Follows redirects like a browser, until a page answers; that page must be a 200. */
async function follow(url: string): Promise<string> {
  let next = url;
  for (let hop = 0; hop < 5; hop++) {
    const response = await fetch(next, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (!location) {
      if (response.status !== 200)
        throw new Error(
          `connecting failed at ${new URL(next).pathname}: HTTP ${response.status} ${await response.text()}`,
        );
      return next;
    }
    next = new URL(location, next).toString();
  }
  throw new Error('too many redirects');
}

/**
 * Connects both systems the way a person would: through the real OAuth routes of the front at
 * `frontUrl`, with signed single-use links as `ml-connector connect` has the operations function
 * mint them (decision 39). Returns the realm QuickBooks connected.
 */
export async function connectLikeABrowser(
  frontUrl: string,
  startToken: string,
  fallbackRealmId: string,
): Promise<{ realmId: string }> {
  const link = (provider: 'quickbooks' | 'pipedrive', realmId?: string) =>
    `${frontUrl}/oauth/${provider}/start?link=${mintLinkToken(startToken, { provider, ...(realmId ? { realmId } : {}) }, Date.now()).token}`;
  const done = await follow(link('quickbooks'));
  const realmId = new URL(done).searchParams.get('realmId') ?? fallbackRealmId;
  await follow(link('pipedrive', realmId));
  return { realmId };
}
