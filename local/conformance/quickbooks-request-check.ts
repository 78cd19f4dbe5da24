import { checkApiRequest } from './quickbooks-api-check';
import type { CheckedRequest, QuickBooksVerdict } from './quickbooks-checked-request';
import { checkOAuthRequest } from './quickbooks-oauth-check';
import type { RecordedQuickBooksRequest } from './recorded-quickbooks-request';

/**
 * Checks each request sent to QuickBooks (API and OAuth) against the endpoints, parameters,
 * headers and bodies FACTS.md documents, with its own path matching (not the QBO sandbox's route
 * table, decision 54). Intuit publishes no OpenAPI spec for QBO.
 */

/** One recorded request: the operation it is and what FACTS says is wrong with it. */
export function checkQuickBooksRequest(record: RecordedQuickBooksRequest): QuickBooksVerdict {
  const url = new URL(record.url);
  const request: CheckedRequest = {
    record,
    method: record.method.toUpperCase(),
    params: url.searchParams,
    problems: [],
    allowances: [],
  };
  const segments = url.pathname
    .split('/')
    .filter((segment) => segment.length > 0)
    .map(decodeURIComponent);
  const [v3, company, realmId, ...rest] = segments;
  const operation =
    v3 === 'v3' && company === 'company' && realmId !== undefined && rest.length > 0
      ? checkApiRequest(request, realmId, rest)
      : (checkOAuthRequest(request, url.pathname) ?? `${request.method} ${url.pathname}`);
  if (operation === `${request.method} ${url.pathname}`)
    request.problems.push(`${operation} is not an endpoint FACTS documents`);
  return { operation, problems: request.problems, allowances: [...new Set(request.allowances)] };
}
