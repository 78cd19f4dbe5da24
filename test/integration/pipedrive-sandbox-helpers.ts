import { startPipedriveSandbox, type PipedriveSandbox, type PipedriveSandboxOptions } from '../../local/pipedrive';

/** 2026-01-05 10:00:00 UTC, a Monday. */
export const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

/** A sandbox on a frozen clock at T0 (tests move time with `clock.advance`). */
export function startTestSandbox(options: PipedriveSandboxOptions = {}): Promise<PipedriveSandbox> {
  return startPipedriveSandbox({ clock: { start: T0, scale: 0 }, ...options });
}

export interface Envelope<T> {
  success: boolean;
  data: T;
  additional_data?: { next_cursor?: string | null; pagination?: Record<string, unknown> };
  error?: string;
  errorCode?: number;
}

export interface Reply<T> {
  status: number;
  headers: Headers;
  text: string;
  body: Envelope<T>;
}

export type Auth = { apiToken: string } | { bearer: string } | { queryToken: string } | { none: true };

export interface OrgView {
  id: number;
  name: string;
  owner_id: number;
  add_time: string;
  update_time: string;
  is_deleted: boolean;
  visible_to: number;
  address: Record<string, string | null> | null;
  label_ids: number[];
  custom_fields: Record<string, unknown>;
  people_count?: number;
}

export interface PersonView {
  id: number;
  name: string;
  org_id: number | null;
  emails: { value: string; primary: boolean; label: string }[];
  phones: { value: string; primary: boolean; label: string }[];
  is_deleted: boolean;
}

/** A tiny fetch client for one caller of the sandbox. */
export function client(sandbox: PipedriveSandbox, auth: Auth = { apiToken: sandbox.describe().apiToken }) {
  const send = async <T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}) => {
    const headers: Record<string, string> = { ...extraHeaders };
    let url = sandbox.url + path;
    if ('apiToken' in auth) headers['x-api-token'] = auth.apiToken;
    if ('bearer' in auth) headers.authorization = `Bearer ${auth.bearer}`;
    if ('queryToken' in auth)
      url += `${path.includes('?') ? '&' : '?'}api_token=${encodeURIComponent(auth.queryToken)}`;
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed as Envelope<T> } satisfies Reply<T>;
  };
  return {
    get: <T = unknown>(path: string) => send<T>('GET', path),
    post: <T = unknown>(path: string, body: unknown, headers?: Record<string, string>) =>
      send<T>('POST', path, body, headers),
    patch: <T = unknown>(path: string, body: unknown) => send<T>('PATCH', path, body),
    put: <T = unknown>(path: string, body: unknown) => send<T>('PUT', path, body),
    delete: <T = unknown>(path: string) => send<T>('DELETE', path),
  };
}

export type Client = ReturnType<typeof client>;

/** Creates a custom organization field through the API and returns its 40-character key. */
export async function createField(api: Client, field: Record<string, unknown>): Promise<string> {
  const reply = await api.post<{ field_code: string }>('/api/v2/organizationFields', field);
  if (reply.status !== 200) throw new Error(`field creation failed: ${reply.text}`);
  return reply.body.data.field_code;
}
