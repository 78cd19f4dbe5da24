import { appendFileSync } from 'node:fs';
import type { ResponseBody } from '../shared/http';
import { type Exchange, observeEveryPipedriveSandbox } from '../pipedrive';
import type { RecordedExchange } from './recorded-exchange';

function bodyText(body: ResponseBody): string {
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return JSON.stringify(body);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** An exchange as the conformance check reads it; credentials are noted, never kept. */
export function recordedExchange(exchange: Exchange, sandbox: { url: string }): RecordedExchange {
  const { request, response } = exchange;
  const path = request.path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  const query = request.query.toString();
  const responseHeaders = Object.fromEntries(
    Object.entries(response.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const contentType = header(request.headers['content-type']);
  return {
    method: request.method,
    url: `${sandbox.url}${path}${query ? `?${query}` : ''}`,
    ...(contentType !== undefined ? { requestContentType: contentType } : {}),
    ...(request.rawBody.length > 0 ? { requestBody: request.rawBody.toString('utf8') } : {}),
    authenticated: request.headers['x-api-token'] !== undefined || request.headers.authorization !== undefined,
    status: response.status,
    ...(responseHeaders['content-type'] !== undefined ? { responseContentType: responseHeaders['content-type'] } : {}),
    responseBody: bodyText(response.body),
    faulted: exchange.faulted,
  };
}

/** Records every Pipedrive sandbox exchange in this process until stopped. */
export function recordPipedriveTraffic(): { exchanges: RecordedExchange[]; stop: () => void } {
  const exchanges: RecordedExchange[] = [];
  const stop = observeEveryPipedriveSandbox((exchange, sandbox) => {
    exchanges.push(recordedExchange(exchange, sandbox));
  });
  return { exchanges, stop };
}

/**
 * Appends every Pipedrive sandbox exchange in this process to `file` as JSON lines (the
 * `ML_CONNECTOR_PIPEDRIVE_RECORDING` switch of `npm start`, read by `npm run conformance`).
 */
export function recordPipedriveTrafficTo(file: string): () => void {
  return observeEveryPipedriveSandbox((exchange, sandbox) => {
    appendFileSync(file, `${JSON.stringify(recordedExchange(exchange, sandbox))}\n`);
  });
}
