import { TransientError, type RemoteSystem } from './errors';

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** The platform's fetch, behind a type so tests can count or script calls. */
export type Fetch = typeof fetch;

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Per-call timeout; every remote call has one. */
  timeoutMs: number;
}

/**
 * One HTTP exchange with a timeout. Network failures, resets and timeouts become
 * TransientError; every HTTP answer (including 4xx/5xx) is returned for the caller to classify.
 */
export async function request(
  fetchImpl: Fetch,
  system: RemoteSystem,
  url: string,
  init: HttpRequest,
): Promise<HttpResponse> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: init.method ?? 'GET',
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(init.timeoutMs),
      redirect: 'manual',
    });
  } catch (error) {
    // DOMException may come from another realm, so look at the name, not the class.
    const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    throw new TransientError(
      timedOut ? `${system} did not answer within ${init.timeoutMs} ms` : `${system} could not be reached`,
      {
        system,
        cause: error,
      },
    );
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new TransientError(`${system} closed the connection mid-response`, {
      system,
      status: response.status,
      cause: error,
    });
  }
  return { status: response.status, headers: response.headers, text };
}

/** Parses JSON text; undefined when it is not JSON (an HTML or XML error page). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
