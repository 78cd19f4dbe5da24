import { PermanentError } from '../shared/errors';

export interface ApiDomainOptions {
  /**
   * Hosts (`host` or `host:port`) accepted besides `*.pipedrive.com`, over http or https: the
   * sandbox's loopback address in tests and the local stack. Empty in production.
   */
  allowHosts?: readonly string[];
}

/** One DNS label under pipedrive.com: `acme.pipedrive.com`, `api.pipedrive.com`. */
const PIPEDRIVE_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.pipedrive\.com$/;

/**
 * Checks where API calls (and so the bearer token or API token) may go, and returns the origin.
 * OAuth's `api_domain` comes from a remote answer: anything but `https://<x>.pipedrive.com`
 * (no port, path, query, fragment or credentials) is refused unless its host is explicitly allowed.
 */
export function assertPipedriveApiDomain(value: string, options: ApiDomainOptions = {}): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse('is not a URL');
  }
  const bare =
    (url.pathname === '/' || url.pathname === '') &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '';
  if (!bare) throw refuse(`must be an origin only (host ${url.hostname})`);
  const allowed = (options.allowHosts ?? []).some((host) => {
    const wanted = host.toLowerCase();
    return wanted === url.host || wanted === url.hostname;
  });
  if (allowed && (url.protocol === 'https:' || url.protocol === 'http:')) return url.origin;
  if (url.protocol === 'https:' && url.port === '' && PIPEDRIVE_HOST.test(url.hostname)) return url.origin;
  throw refuse(`must be https://<company>.pipedrive.com, not ${url.protocol}//${url.host}`);
}

function refuse(why: string): PermanentError {
  return new PermanentError(`Pipedrive api_domain ${why}`, { system: 'pipedrive', code: 'invalid_api_domain' });
}
