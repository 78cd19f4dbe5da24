import * as z from '../shared/zod-mini';
import {
  AuthError,
  type ConnectorError,
  type ConnectorErrorDetails,
  HardStopError,
  PermanentError,
  RateLimitedError,
  TransientError,
} from '../shared/errors';
import { type HttpResponse, parseJson } from '../shared/http';

/** A 404 or 410: the record is gone in Pipedrive, so the worker may recreate it. */
export class NotFoundError extends PermanentError {}

/**
 * How long to stop calling after Cloudflare's 403 page. Its real duration is undocumented; an hour
 * is long enough not to extend the block by knocking, short enough to resume the same day.
 */
export const HARD_STOP_DEFAULT_MS = 3_600_000;
/** A 429 without `retry-after` or `x-ratelimit-reset` (none recorded): wait a minute, never hammer. */
export const RATE_LIMIT_DEFAULT_WAIT_MS = 60_000;
/** Error text kept from a Pipedrive answer (validation messages can be long). */
const MESSAGE_LIMIT = 300;

/** The documented error envelope and the legacy `errorCode` layout; unknown fields pass. */
const ErrorBody = z.looseObject({
  success: z.optional(z.boolean()),
  error: z.optional(z.string()),
  error_info: z.optional(z.string()),
  message: z.optional(z.string()),
  code: z.optional(z.union([z.string(), z.number()])),
  errorCode: z.optional(z.union([z.string(), z.number()])),
});

function errorBody(text: string): z.infer<typeof ErrorBody> | undefined {
  const parsed = ErrorBody.safeParse(parseJson(text));
  return parsed.success ? parsed.data : undefined;
}

/** Cloudflare's block page is HTML, never JSON (FACTS §5). */
export function isHtml(response: HttpResponse): boolean {
  return /\btext\/html\b/i.test(response.headers.get('content-type') ?? '') || /^\s*</.test(response.text);
}

function seconds(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value) * 1000;
}

/** `retry-after` in milliseconds: seconds (what has been observed) or an HTTP date. */
export function retryAfterMs(response: HttpResponse, now: number = Date.now()): number | undefined {
  const value = response.headers.get('retry-after');
  const delta = seconds(value);
  if (delta !== undefined || value === null) return delta;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** `x-ratelimit-reset` in milliseconds: seconds until the burst window frees up ([RL-LEGACY], unit unverified). */
export function rateLimitResetMs(response: HttpResponse): number | undefined {
  return seconds(response.headers.get('x-ratelimit-reset'));
}

/** How long a 429 tells us to wait. */
export function rateLimitWaitMs(response: HttpResponse): number {
  return retryAfterMs(response) ?? rateLimitResetMs(response) ?? RATE_LIMIT_DEFAULT_WAIT_MS;
}

/** A daily-budget 429 (third-party observation) versus a burst one: the body's text, or a wait past a minute. */
function rateLimitKind(body: z.infer<typeof ErrorBody> | undefined, waitMs: number): string {
  return /budget|daily/i.test(body?.error ?? '') || waitMs > 60_000 ? 'daily_budget' : 'burst';
}

function clip(text: string): string {
  return text.length <= MESSAGE_LIMIT ? text : `${text.slice(0, MESSAGE_LIMIT)}…`;
}

export interface ClassifyOptions {
  /** How long a Cloudflare block stops all calls when it names no longer wait. */
  hardStopMs?: number;
}

/**
 * Classifies a Pipedrive answer: undefined for a success, otherwise the error to throw. Messages
 * carry Pipedrive's `error` text for rejected requests, never a header or token.
 */
export function classifyPipedriveResponse(
  response: HttpResponse,
  options: ClassifyOptions = {},
): ConnectorError | undefined {
  const { status } = response;
  const body = errorBody(response.text);
  const code = body?.code ?? body?.errorCode;
  const details: ConnectorErrorDetails = {
    system: 'pipedrive',
    status,
    ...(code !== undefined ? { code: String(code) } : {}),
  };
  const describe = (what: string) => `Pipedrive ${what} (HTTP ${status})`;
  const reason = body?.error ?? body?.message;

  if (status >= 200 && status < 300) {
    return body?.success === false
      ? new PermanentError(`${describe('answered with an error')}: ${clip(reason ?? 'no message')}`, details)
      : undefined;
  }
  if (status === 429) {
    const waitMs = rateLimitWaitMs(response);
    return new RateLimitedError(describe('rate-limited the request'), {
      ...details,
      code: rateLimitKind(body, waitMs),
      retryAfterMs: waitMs,
    });
  }
  if (status === 403 && isHtml(response)) {
    const waitMs = Math.max(options.hardStopMs ?? HARD_STOP_DEFAULT_MS, retryAfterMs(response) ?? 0);
    const rayId = response.headers.get('cf-ray');
    return new HardStopError(describe('blocked the connector (Cloudflare page)'), {
      ...details,
      code: 'cloudflare_block',
      retryAfterMs: waitMs,
      ...(rayId !== null ? { requestId: rayId } : {}),
    });
  }
  if (status === 401) return new AuthError(describe('refused the credentials'), details);
  // The company account is not open (trial over or unpaid): no request can succeed until a person acts,
  // so the work is parked like an auth failure rather than failed record by record.
  if (status === 402) return new AuthError(describe('says the company account is not open'), details);
  // "Scope and URL mismatch" ([OAUTHSC]): the grant lacks a scope; only reconnecting with the right scopes helps.
  if (status === 403 && /scope/i.test(reason ?? '')) {
    return new AuthError(describe('refused the request: the grant lacks a scope'), {
      ...details,
      code: 'scope_mismatch',
    });
  }
  if (status === 404 || status === 410) {
    return new NotFoundError(`${describe('does not have the record')}: ${clip(reason ?? 'not found')}`, details);
  }
  if (status >= 400 && status < 500) {
    return new PermanentError(`${describe('rejected the request')}: ${clip(reason ?? 'no error body')}`, details);
  }
  if (status >= 500) return new TransientError(describe('failed'), details);
  // 1xx/3xx: redirects are not followed (the token must not travel elsewhere); retry, then dead-letter.
  return new TransientError(describe('answered unexpectedly'), details);
}
