import type { RecordedQuickBooksRequest } from './recorded-quickbooks-request';

/** What the QBO request check found about one request (decision 54). */
export interface QuickBooksVerdict {
  /** `GET query (Customer)`, `POST oauth2 token (refresh_token)`, or the raw request when nothing matched. */
  operation: string;
  problems: string[];
  /** Uses of what FACTS does not document but the check allows (see quickbooks-documented). */
  allowances: string[];
}

/** A recorded request being checked, with what has been found so far. */
export interface CheckedRequest {
  record: RecordedQuickBooksRequest;
  method: string;
  params: URLSearchParams;
  problems: string[];
  allowances: string[];
}

const JSON_TYPE = /^application\/json(\s*;.*)?$/i;
export const FORM_TYPE = /^application\/x-www-form-urlencoded(\s*;.*)?$/i;

/** Query parameters: those required must be there once, and nothing undocumented may be. */
export function parameters(request: CheckedRequest, required: readonly string[], optional: readonly string[]): void {
  const allowed = new Set([...required, ...optional]);
  for (const name of new Set(request.params.keys())) {
    if (!allowed.has(name)) request.problems.push(`query parameter ${name} is not documented for this endpoint`);
    else if (request.params.getAll(name).length > 1) request.problems.push(`query parameter ${name} appears twice`);
  }
  for (const name of required)
    if (!request.params.get(name)) request.problems.push(`query parameter ${name} is missing`);
}

export function noBody(request: CheckedRequest): void {
  if (request.record.body !== undefined) request.problems.push(`a ${request.method} carries no body`);
}

export function jsonBody(request: CheckedRequest, where: string): unknown {
  if (!JSON_TYPE.test(request.record.contentType ?? ''))
    request.problems.push(
      `Content-Type must be application/json, not ${request.record.contentType ?? 'absent'} (${where})`,
    );
  try {
    return JSON.parse(request.record.body ?? '');
  } catch {
    request.problems.push(`the body is not JSON (${where})`);
    return undefined;
  }
}
