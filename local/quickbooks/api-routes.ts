import { header, json, jsonBody, type Router, type SandboxRequest, type SandboxResponse } from '../shared/http';
import { changeDataCapture, CdcRequestError } from './cdc';
import { BatchRequest, MAX_BATCH_ITEMS, runBatch } from './batch';
import { writeCustomer } from './customer-writes';
import {
  authenticationFault,
  objectNotFound,
  queryParserFault,
  queryValidationFault,
  standardFault,
  throttleFault,
  unsupportedOperation,
  validationFault,
} from './fault-bodies';
import { QboValidationError } from './ledger-inputs';
import { transactionId } from './oauth';
import { parseQuery, QueryParseError } from './query-parser';
import { QueryValidationError, runQuery } from './query-engine';
import { agedReceivables } from './reports';
import type { QuickBooksSandboxState } from './state';

/** Entities readable by id, by their lower-case URL name. */
const READABLE: Record<string, string> = {
  customer: 'Customer',
  invoice: 'Invoice',
  payment: 'Payment',
  term: 'Term',
  estimate: 'Estimate',
  companyinfo: 'CompanyInfo',
};

type ApiHandler = (
  state: QuickBooksSandboxState,
  request: SandboxRequest,
  realmId: string,
  tid: string,
) => SandboxResponse;

/**
 * The transaction id's spellings on API responses: `intuit_tid` as Intuit's REST API features page
 * names it, and `Intuit-Tid` as recorded responses carry it (FACTS §6.4). Both are sent, with one value.
 */
export const API_TID_HEADERS = ['intuit_tid', 'Intuit-Tid'] as const;

const ACCOUNTING_PATH = /^\/v3\/company\/([^/]+)(\/.*)?$/;

/** Auth, throttling and counting around one Accounting API call, then the handler. */
function guarded(
  state: QuickBooksSandboxState,
  request: SandboxRequest,
  realmId: string,
  name: string,
  handler: ApiHandler,
): SandboxResponse {
  const tid = transactionId();
  state.counters.increment(`api ${request.method} ${name}`, realmId);
  const access = state.oauth.checkAccess(header(request, 'authorization'), realmId);
  if (!access.ok) {
    state.counters.increment('qbo.unauthorized', realmId);
    if (access.reason === 'wrong-realm') {
      return withTid(
        standardFault(
          403,
          'AuthorizationFault',
          {
            message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
            detail: access.detail,
            code: '3100',
          },
          new Date(state.clock.now()).toISOString(),
          tid,
        ),
        tid,
      );
    }
    return withTid(authenticationFault(access.detail, state.clock.now(), tid), tid);
  }
  const company = state.company(realmId);
  if (!company) return withTid(authenticationFault('Token invalid', state.clock.now(), tid), tid);
  if (!state.throttle.admit(realmId, company.now())) {
    state.counters.increment('qbo.throttled', realmId);
    return withTid(throttleFault(state.throttleFormat, company.responseTime(), tid), tid);
  }
  state.counters.increment('qbo.requests', realmId);
  return withTid(handler(state, request, realmId, tid), tid);
}

/** Sets the transaction-id headers, replacing any spelling a fault body helper used. */
function withTid(response: SandboxResponse, tid: string): SandboxResponse {
  const headers = Object.fromEntries(
    Object.entries(response.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'intuit-tid'),
  );
  return {
    ...response,
    headers: {
      ...Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'intuit_tid')),
      ...Object.fromEntries(API_TID_HEADERS.map((name) => [name, tid])),
    },
  };
}

/**
 * Any other request under `/v3/company/{realmId}/`: authenticated like the rest, then answered
 * with QBO's JSON "Unsupported Operation" fault instead of a web server's 404 page.
 */
export function unsupportedAccountingRequest(
  state: QuickBooksSandboxState,
  request: SandboxRequest,
): SandboxResponse | undefined {
  const match = ACCOUNTING_PATH.exec(request.path);
  if (!match) return undefined;
  return guarded(state, request, match[1] ?? '', 'unsupported', (sandbox, req, realmId, tid) => {
    const time = sandbox.company(realmId)?.responseTime() ?? new Date(sandbox.clock.now()).toISOString();
    return unsupportedOperation(req.method, match[2] ?? '/', time, tid);
  });
}

/** The Accounting API under `/v3/company/{realmId}/`: auth, throttling and counting around each route. */
export function addAccountingRoutes(router: Router, state: QuickBooksSandboxState): void {
  const route = (method: string, pattern: string, name: string, handler: ApiHandler) => {
    router.add(method, `/v3/company/:realmId/${pattern}`, (request) =>
      guarded(state, request, request.params.realmId ?? '', name, handler),
    );
  };
  /** Runs a write or report, answering QBO's fault for a request QBO would refuse. */
  const faulting = (realmId: string, tid: string, work: () => SandboxResponse): SandboxResponse => {
    try {
      return work();
    } catch (error) {
      if (!(error instanceof QboValidationError)) throw error;
      const detail = {
        message: error.message,
        detail: error.detail,
        code: error.code,
        ...(error.element !== undefined ? { element: error.element } : {}),
      };
      return validationFault(400, detail, state.requireCompany(realmId).responseTime(), tid);
    }
  };

  // Before `:entity/:id`, which would otherwise take `reports/AgedReceivables` for an entity read.
  route('GET', 'reports/:report', 'report', (sandbox, request, realmId, tid) => {
    const company = sandbox.requireCompany(realmId);
    const report = request.params.report ?? '';
    if (report !== 'AgedReceivables')
      return unsupportedOperation('GET', `/reports/${report}`, company.responseTime(), tid);
    return faulting(realmId, tid, () => json(200, agedReceivables(sandbox.ledger(realmId), request.query)));
  });

  route('POST', 'customer', 'customer write', (sandbox, request, realmId, tid) => {
    const operation = request.query.get('operation') ?? 'create';
    const company = sandbox.requireCompany(realmId);
    if (operation !== 'create' && operation !== 'update' && operation !== 'delete')
      return unsupportedOperation('POST', `/customer?operation=${operation}`, company.responseTime(), tid);
    return faulting(realmId, tid, () =>
      json(200, {
        Customer: writeCustomer(sandbox.ledger(realmId), operation, jsonBody(request)),
        time: company.responseTime(),
      }),
    );
  });

  route('POST', 'batch', 'batch', (sandbox, request, realmId, tid) => {
    const company = sandbox.requireCompany(realmId);
    // FACTS §6.1: 40 batch requests per minute per realm and app, on top of the general limits.
    if (!sandbox.batchThrottle.admit(realmId, company.now())) {
      sandbox.counters.increment('qbo.batch_throttled', realmId);
      return throttleFault(sandbox.throttleFormat, company.responseTime(), tid);
    }
    const parsed = BatchRequest.safeParse(jsonBody(request));
    if (!parsed.success) {
      return validationFault(
        400,
        {
          message: 'Request has invalid or unsupported property',
          detail: `Property Name:${parsed.error.issues[0]?.path.join('.') ?? 'BatchItemRequest'} specified is unsupported or invalid`,
          code: '2010',
        },
        company.responseTime(),
        tid,
      );
    }
    if (parsed.data.BatchItemRequest.length > MAX_BATCH_ITEMS) {
      // The fault for an oversized batch is unverified; the documented cap is enforced with a ValidationFault.
      return validationFault(
        400,
        {
          message: 'Request has invalid or unsupported property',
          detail: `A batch may carry at most ${MAX_BATCH_ITEMS} items; this one has ${parsed.data.BatchItemRequest.length}.`,
          code: '2010',
          element: 'BatchItemRequest',
        },
        company.responseTime(),
        tid,
      );
    }
    return json(200, runBatch(sandbox.ledger(realmId), parsed.data));
  });

  route('GET', ':entity/:id', 'read', (sandbox, request, realmId, tid) => {
    const company = sandbox.requireCompany(realmId);
    const entity = READABLE[(request.params.entity ?? '').toLowerCase()];
    const id = request.params.id ?? '';
    if (entity === 'CompanyInfo')
      return json(200, { CompanyInfo: sandbox.companyInfo(realmId), time: company.responseTime() });
    if (!entity)
      return unsupportedOperation('GET', `/${request.params.entity ?? ''}/${id}`, company.responseTime(), tid);
    const record = company.read(entity, id);
    if (!record) return objectNotFound(entity, id, company.responseTime(), tid);
    return json(200, { [entity]: record, time: company.responseTime() });
  });

  const query = (text: string, realmId: string, tid: string): SandboxResponse => {
    const company = state.requireCompany(realmId);
    try {
      return json(200, runQuery(company, parseQuery(text)));
    } catch (error) {
      if (error instanceof QueryParseError) return queryParserFault(error.message, company.responseTime(), tid);
      if (error instanceof QueryValidationError)
        return queryValidationFault(error.message, company.responseTime(), tid);
      throw error;
    }
  };
  route('GET', 'query', 'query', (_sandbox, request, realmId, tid) =>
    query(request.query.get('query') ?? '', realmId, tid),
  );
  // Long queries go in a POST body with Content-Type application/text (FACTS §5).
  route('POST', 'query', 'query', (_sandbox, request, realmId, tid) =>
    query(request.rawBody.toString('utf8'), realmId, tid),
  );

  route('GET', 'cdc', 'cdc', (sandbox, request, realmId, tid) => {
    const company = sandbox.requireCompany(realmId);
    try {
      return json(
        200,
        changeDataCapture(
          company,
          request.query.get('entities'),
          request.query.get('changedSince'),
          sandbox.cdcOptions,
        ),
      );
    } catch (error) {
      if (!(error instanceof CdcRequestError)) throw error;
      // The fault QBO sends for a bad CDC request is unverified; a ValidationFault in the validation code range.
      return validationFault(
        400,
        { message: 'Invalid Request', detail: error.message, code: '2080' },
        company.responseTime(),
        tid,
      );
    }
  });
}
