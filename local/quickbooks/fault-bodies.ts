import type { SandboxResponse } from '../shared/http';
import { json } from '../shared/http';
import type { JsonObject } from './json';

/** The error bodies QBO sends, as recorded in the reference payloads. */

export interface FaultError {
  message: string;
  detail: string;
  code: string;
  element?: string;
}

/** The standard `Fault.Error[]` shape (validation faults, 403s). */
export function standardFault(
  status: number,
  type: string,
  error: FaultError,
  time: string,
  tid: string,
): SandboxResponse {
  const item: Record<string, string> = { Message: error.message, Detail: error.detail, code: error.code };
  if (error.element !== undefined) item.element = error.element;
  return json(status, { Fault: { Error: [item], type }, time }, { 'intuit-tid': tid });
}

/** The real 401 for a bad or expired access token: lower-case keys, epoch-ms `time`, and a WWW-Authenticate header. */
export function authenticationFault(detail: string, epochMs: number, tid: string): SandboxResponse {
  return json(
    401,
    {
      warnings: null,
      intuitObject: null,
      fault: {
        error: [
          {
            message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
            detail,
            code: '3200',
            element: null,
          },
        ],
        type: 'AUTHENTICATION',
      },
      report: null,
      queryResponse: null,
      batchItemResponse: [],
      attachableResponse: [],
      syncErrorResponse: null,
      requestId: null,
      time: epochMs,
      status: null,
      cdcresponse: [],
    },
    { 'www-authenticate': 'Bearer realm="Intuit", error="invalid_token"', 'intuit-tid': tid },
  );
}

const THROTTLE_MESSAGE = 'message=ThrottleExceeded; errorCode=003001; statusCode=429';
const THROTTLE_DETAIL = 'The request limit was reached.  Try again later';

/**
 * 429 ThrottleExceeded. Intuit has been seen answering it in XML even to JSON clients
 * (FACTS §6.2), so XML is the default; no Retry-After header, since none was ever recorded.
 */
export function throttleFault(format: 'xml' | 'json', time: string, tid: string): SandboxResponse {
  if (format === 'json') {
    return standardFault(
      429,
      'SERVICE',
      { message: THROTTLE_MESSAGE, detail: THROTTLE_DETAIL, code: '3001' },
      time,
      tid,
    );
  }
  const body =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
    `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="${time}">` +
    `<Fault type="SERVICE"><Error code="3001"><Message>${THROTTLE_MESSAGE}</Message>` +
    `<Detail>${THROTTLE_DETAIL}</Detail></Error></Fault></IntuitResponse>`;
  return { status: 429, headers: { 'content-type': 'application/xml', 'intuit-tid': tid }, body };
}

export function validationFault(status: number, error: FaultError, time: string, tid: string): SandboxResponse {
  return standardFault(status, 'ValidationFault', error, time, tid);
}

export function objectNotFound(entity: string, id: string, time: string, tid: string): SandboxResponse {
  // The status and body for a missing id are unverified (FACTS §6.3.6); 610 is what batch answers.
  return validationFault(
    400,
    {
      message: 'Object Not Found',
      detail: `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (${entity} ${id})`,
      code: '610',
      element: '',
    },
    time,
    tid,
  );
}

export function queryParserFault(detail: string, time: string, tid: string): SandboxResponse {
  return validationFault(
    400,
    { message: 'Error parsing query', detail: `QueryParserError: ${detail}`, code: '4000' },
    time,
    tid,
  );
}

export function queryValidationFault(detail: string, time: string, tid: string): SandboxResponse {
  return validationFault(
    400,
    { message: 'Invalid query', detail: `QueryValidationError: ${detail}`, code: '4001' },
    time,
    tid,
  );
}

/**
 * What QBO answers for a path or method it has no operation for: ValidationFault 500
 * "Unsupported Operation" with HTTP 400 (FACTS §6.3.4), never an HTML page.
 */
export function unsupportedOperation(method: string, path: string, time: string, tid: string): SandboxResponse {
  return validationFault(
    400,
    {
      message: 'Unsupported Operation',
      detail: `Operation ${method} ${path} is not supported.`,
      code: '500',
      element: '',
    },
    time,
    tid,
  );
}

/** The `Fault` object of a standard fault body, for a batch item that failed. */
export function faultObject(error: FaultError, type = 'ValidationFault'): JsonObject {
  const item: Record<string, string> = { Message: error.message, Detail: error.detail, code: error.code };
  if (error.element !== undefined) item.element = error.element;
  return { Error: [item], type };
}
