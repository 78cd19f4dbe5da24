import { header, json, type Router, type SandboxRequest, type SandboxResponse } from '../shared/http';
import { changeDataCapture, CdcRequestError } from './cdc';
import {
  authenticationFault,
  objectNotFound,
  queryParserFault,
  queryValidationFault,
  standardFault,
  throttleFault,
  validationFault,
} from './fault-bodies';
import { transactionId } from './oauth';
import { parseQuery, QueryParseError } from './query-parser';
import { QueryValidationError, runQuery } from './query-engine';
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

/** The Accounting API under `/v3/company/{realmId}/`: auth, throttling and counting around each route. */
export function addAccountingRoutes(router: Router, state: QuickBooksSandboxState): void {
  const route = (method: string, pattern: string, name: string, handler: ApiHandler) => {
    router.add(method, `/v3/company/:realmId/${pattern}`, (request) => {
      const realmId = request.params.realmId ?? '';
      const tid = transactionId();
      state.counters.increment(`api ${method} ${name}`, realmId);
      const access = state.oauth.checkAccess(header(request, 'authorization'), realmId);
      if (!access.ok) {
        state.counters.increment('qbo.unauthorized', realmId);
        if (access.reason === 'wrong-realm') {
          return standardFault(
            403,
            'AuthorizationFault',
            {
              message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
              detail: access.detail,
              code: '3100',
            },
            new Date(state.clock.now()).toISOString(),
            tid,
          );
        }
        return authenticationFault(access.detail, state.clock.now(), tid);
      }
      const company = state.company(realmId);
      if (!company) return authenticationFault('Token invalid', state.clock.now(), tid);
      if (!state.throttle.admit(realmId, state.clock.now())) {
        state.counters.increment('qbo.throttled', realmId);
        return throttleFault(state.throttleFormat, company.responseTime(), tid);
      }
      state.counters.increment('qbo.requests', realmId);
      const response = handler(state, request, realmId, tid);
      return { ...response, headers: { ...(response.headers ?? {}), 'intuit-tid': tid } };
    });
  };

  route('GET', ':entity/:id', 'read', (sandbox, request, realmId, tid) => {
    const company = sandbox.requireCompany(realmId);
    const entity = READABLE[(request.params.entity ?? '').toLowerCase()];
    const id = request.params.id ?? '';
    if (entity === 'CompanyInfo')
      return json(200, { CompanyInfo: sandbox.companyInfo(realmId), time: company.responseTime() });
    const record = entity ? company.read(entity, id) : undefined;
    if (!entity || !record)
      return objectNotFound(entity ?? request.params.entity ?? '', id, company.responseTime(), tid);
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
