import { type QuickBooksSandbox, type QuickBooksSandboxOptions, startQuickBooksSandbox } from '../../local/quickbooks';

/** A fixed sandbox time, so tests never depend on the wall clock. */
export const SANDBOX_EPOCH = Date.parse('2026-07-01T12:00:00Z');

/** Starts a QBO sandbox with a frozen clock and no throttling unless a test asks for them. */
export function startTestQuickBooks(options: QuickBooksSandboxOptions = {}): Promise<QuickBooksSandbox> {
  return startQuickBooksSandbox({
    clock: { start: SANDBOX_EPOCH, scale: 0 },
    throttle: false,
    seed: false,
    ...options,
  });
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

export async function call(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

export function control(sandbox: QuickBooksSandbox, method: string, path: string, body?: unknown): Promise<HttpResult> {
  return call(`${sandbox.url}/_sandbox${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** An access token for the realm, issued through the control API. */
export async function accessToken(sandbox: QuickBooksSandbox, realmId = sandbox.describe().realmId): Promise<string> {
  const result = await control(sandbox, 'POST', '/oauth/tokens', { realmId });
  const body = result.body as { access_token: string };
  return body.access_token;
}

export function api(
  sandbox: QuickBooksSandbox,
  token: string,
  path: string,
  realmId = sandbox.describe().realmId,
): Promise<HttpResult> {
  return call(`${sandbox.url}/v3/company/${realmId}/${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
}

export function query(
  sandbox: QuickBooksSandbox,
  token: string,
  statement: string,
  realmId?: string,
): Promise<HttpResult> {
  return api(sandbox, token, `query?query=${encodeURIComponent(statement)}&minorversion=75`, realmId);
}

/** A body without its volatile `time`. */
export function withoutTime(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const { time: _time, ...rest } = body as Record<string, unknown>;
  return rest;
}
