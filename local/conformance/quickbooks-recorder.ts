import { appendFileSync } from 'node:fs';
import { type QuickBooksExchange, observeEveryQuickBooksSandbox } from '../quickbooks';
import type { RecordedQuickBooksRequest } from './recorded-quickbooks-request';

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The scheme of an `Authorization` value; the credential itself is never kept. */
function authorization(value: string | undefined): RecordedQuickBooksRequest['authorization'] {
  if (value === undefined) return undefined;
  const [scheme = '', ...rest] = value.trim().split(/\s+/);
  return { scheme, credential: rest.join('').length > 0 };
}

/** Fields of OAuth bodies that carry a secret: kept as `<redacted>` (present, non-empty) so the check still sees them. */
const SECRET_FIELDS = ['code', 'refresh_token', 'token', 'client_secret', 'access_token'];

function redacted(body: string, contentType: string | undefined): string {
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(body);
    for (const field of SECRET_FIELDS) if (form.get(field)) form.set(field, '<redacted>');
    return form.toString();
  }
  if (!contentType?.startsWith('application/json')) return body;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
    const fields = Object.entries(parsed).map(([key, value]: [string, unknown]) =>
      SECRET_FIELDS.includes(key) && typeof value === 'string' && value.length > 0 ? [key, '<redacted>'] : [key, value],
    );
    return JSON.stringify(Object.fromEntries(fields));
  } catch {
    return body;
  }
}

/** A QBO sandbox exchange as the conformance check reads it; OAuth secrets are redacted. */
export function recordedQuickBooksRequest(
  { request, response, at }: QuickBooksExchange,
  sandbox: { url: string },
): RecordedQuickBooksRequest {
  const query = request.query.toString();
  const accept = header(request.headers.accept);
  const contentType = header(request.headers['content-type']);
  const auth = authorization(header(request.headers.authorization));
  return {
    method: request.method,
    url: `${sandbox.url}${request.path}${query ? `?${query}` : ''}`,
    ...(accept !== undefined ? { accept } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(auth !== undefined ? { authorization: auth } : {}),
    ...(request.rawBody.length > 0 ? { body: redacted(request.rawBody.toString('utf8'), contentType) } : {}),
    at: new Date(at).toISOString(),
    status: response.status,
  };
}

/** Records every QBO sandbox request in this process until stopped. */
export function recordQuickBooksTraffic(): { requests: RecordedQuickBooksRequest[]; stop: () => void } {
  const requests: RecordedQuickBooksRequest[] = [];
  const stop = observeEveryQuickBooksSandbox((exchange, sandbox) => {
    requests.push(recordedQuickBooksRequest(exchange, sandbox));
  });
  return { requests, stop };
}

/**
 * Appends every QBO sandbox request in this process to `file` as JSON lines (the
 * `ML_CONNECTOR_QUICKBOOKS_RECORDING` switch of `npm start`, read by `npm run conformance`).
 */
export function recordQuickBooksTrafficTo(file: string): () => void {
  return observeEveryQuickBooksSandbox((exchange, sandbox) => {
    appendFileSync(file, `${JSON.stringify(recordedQuickBooksRequest(exchange, sandbox))}\n`);
  });
}
