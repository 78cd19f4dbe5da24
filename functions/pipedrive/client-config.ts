export interface PipedriveClientConfig {
  /** The company origin: OAuth's `api_domain`, or `https://<company>.pipedrive.com` for an API token. */
  apiDomain: string;
  /** Hosts allowed besides `*.pipedrive.com` (the sandbox); empty in production. */
  allowHosts?: readonly string[];
  /**
   * Where API-token v1 calls go (`/v1/…`), as in the official SDK: `https://api.pipedrive.com` by
   * default; the sandbox's API-token listener locally. Unset with a non-Pipedrive (sandbox) origin,
   * they go to `${origin}/api/v1`, which every host serves (decision 45).
   */
  apiTokenHost?: string;
  timeoutMs: number;
  /** Records per list page; the cost is per request whatever the size, so the maximum. */
  pageSize?: number;
  /** How long a Cloudflare 403 stops calls (the governor's `hardStopMs`), for the error it raises. */
  hardStopMs?: number;
}
