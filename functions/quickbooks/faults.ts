import * as z from '../shared/zod-mini';
import { AuthError, type ConnectorError, PermanentError, RateLimitedError, TransientError } from '../shared/errors';
import { type HttpResponse, parseJson } from '../shared/http';

/** FACTS §6.1: "wait 60 seconds before retrying"; QBO sends no Retry-After that anyone has recorded. */
export const QBO_THROTTLE_WAIT_MS = 60_000;

const FaultItem = z.looseObject({
  Message: z.optional(z.string()),
  message: z.optional(z.string()),
  Detail: z.optional(z.string()),
  detail: z.optional(z.string()),
  code: z.optional(z.union([z.string(), z.number()])),
});
/** The standard `Fault.Error[]` shape (validation, throttle) … */
const UpperFault = z.looseObject({
  Fault: z.looseObject({ Error: z._default(z.array(FaultItem), []), type: z.optional(z.string()) }),
});
/** … and the lower-case `fault.error[]` of the real 401. */
const LowerFault = z.looseObject({
  fault: z.looseObject({ error: z._default(z.array(FaultItem), []), type: z.optional(z.string()) }),
});

export interface QboFault {
  type: string | undefined;
  code: string | undefined;
  message: string;
}

/** Reads a QBO fault from a JSON or XML body; undefined when the body carries none. */
export function readFault(text: string): QboFault | undefined {
  const body = parseJson(text);
  const upper = UpperFault.safeParse(body);
  const lower = LowerFault.safeParse(body);
  const fault = upper.success
    ? { type: upper.data.Fault.type, errors: upper.data.Fault.Error }
    : lower.success
      ? { type: lower.data.fault.type, errors: lower.data.fault.error }
      : undefined;
  if (fault) {
    const first = fault.errors[0];
    return {
      type: fault.type,
      code: first?.code === undefined ? undefined : String(first.code),
      message: first?.Message ?? first?.message ?? 'QuickBooks fault',
    };
  }
  // Throttling has been answered in XML even to JSON clients (FACTS §6.2).
  const xml = /<Fault\b([^>]*)>[\s\S]*?<Error[^>]*code="([^"]*)"[\s\S]*?<Message>([^<]*)<\/Message>/.exec(text);
  if (xml)
    return { type: /type="([^"]*)"/.exec(xml[1] ?? '')?.[1], code: xml[2], message: xml[3] ?? 'QuickBooks fault' };
  return undefined;
}

export function intuitTid(response: HttpResponse): string | undefined {
  return response.headers.get('intuit_tid') ?? response.headers.get('intuit-tid') ?? undefined;
}

const THROTTLE_CODES = new Set(['3001']);
const AUTH_CODES = new Set(['3200', '3100', '100']);

/**
 * Classifies a QBO answer: undefined for a success, otherwise the error to throw. Never includes
 * the body's `detail` in the message (the real 401 echoes part of the token there).
 */
export function classifyQboResponse(response: HttpResponse): ConnectorError | undefined {
  const fault = readFault(response.text);
  const details = {
    system: 'quickbooks' as const,
    status: response.status,
    ...(intuitTid(response) !== undefined ? { requestId: intuitTid(response) } : {}),
    ...(fault?.code !== undefined ? { code: fault.code } : {}),
  };
  const describe = (what: string) =>
    `QuickBooks ${what} (HTTP ${response.status}${fault?.code ? `, code ${fault.code}` : ''})`;
  const throttled = response.status === 429 || (fault?.code !== undefined && THROTTLE_CODES.has(fault.code));
  if (throttled)
    return new RateLimitedError(describe('throttled the request'), { ...details, retryAfterMs: QBO_THROTTLE_WAIT_MS });
  if (response.status === 401 || response.status === 403 || (fault?.code !== undefined && AUTH_CODES.has(fault.code))) {
    return new AuthError(describe('refused the credentials'), details);
  }
  if (response.status >= 500) return new TransientError(describe('failed'), details);
  if (response.status >= 400)
    return new PermanentError(describe(`rejected the request: ${fault?.message ?? 'no fault body'}`), details);
  // An HTTP 200 can still carry a Fault (FACTS §6.3.5).
  if (fault) return new PermanentError(describe(`answered with a fault: ${fault.message}`), details);
  return undefined;
}
