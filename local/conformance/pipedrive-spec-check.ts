import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import * as z from 'zod';
import { loadSpec, type ApiVersion } from '../pipedrive/openapi/spec-files';
import {
  OUTSIDE_SPEC,
  REQUEST_ERRATA,
  RESPONSE_ERRATA,
  patchRequestSchema,
  relaxResponseSchema,
} from './pipedrive-errata';
import type { RecordedExchange } from './recorded-exchange';

/**
 * Checks recorded Pipedrive traffic against Pipedrive's official OpenAPI documents with Ajv
 * directly and our own path-template matching: deliberately not the sandbox's openapi-backend
 * check, so the two cannot share a blind spot (decision 44).
 */

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const Parameter = z.looseObject({
  name: z.string(),
  in: z.string(),
  required: z.boolean().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
});
const MediaTypes = z.record(z.string(), z.looseObject({ schema: z.record(z.string(), z.unknown()).optional() }));
const Operation = z.looseObject({
  operationId: z.string().optional(),
  parameters: z.array(Parameter).optional(),
  requestBody: z.looseObject({ required: z.boolean().optional(), content: MediaTypes.optional() }).optional(),
  responses: z.record(z.string(), z.looseObject({ content: MediaTypes.optional() })).optional(),
});
const Spec = z.looseObject({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) });

interface CompiledOperation {
  api: ApiVersion;
  method: string;
  template: string;
  operationId: string;
  pattern: RegExp;
  pathParams: string[];
  parameters: { parameter: z.infer<typeof Parameter>; validate: ValidateFunction | undefined }[];
  /** Validators per media type of the request body. */
  body: Map<string, ValidateFunction> | undefined;
  bodyRequired: boolean;
  responses: Map<string, ValidateFunction | undefined>;
}

/** Where each spec's paths are served: v2 under `/api/v2`; v1 under `/api/v1` or `/v1` (decision 45); OAuth at its root. */
const PREFIXES: readonly { prefix: string; api: ApiVersion }[] = [
  { prefix: '/api/v2', api: 'v2' },
  { prefix: '/api/v1', api: 'v1' },
  { prefix: '/v1', api: 'v1' },
];

/** Pipedrive's error envelope ([RESP]) for answers the spec does not declare (the v2 spec declares no 4xx). */
const ErrorEnvelope = z.looseObject({ success: z.literal(false), error: z.string().min(1) });
/** The OAuth server's error answers ([OAUTHSC]). */
const OAuthError = z.looseObject({ error: z.string().min(1) });

export interface Verdict {
  /** `v2 PATCH /organizations/{id}`, or the raw request when no operation matched. */
  operation: string;
  problems: string[];
}

function formatErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${where}${error.instancePath || ''} ${error.message ?? 'is invalid'}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A query value as its declared scalar type; left a string when it does not parse (so the schema refuses it). */
function typedQueryValue(value: string, schema: Record<string, unknown> | undefined): unknown {
  const type = schema?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

export class PipedriveSpecCheck {
  private readonly operations: CompiledOperation[] = [];

  constructor() {
    // `strict: false`: the specs carry `example`, `x-token-cost` and other annotations Ajv does not know.
    // Ajv 8 understands OpenAPI 3.0's `nullable`. Formats are checked on requests (a `date-time` must be one).
    const requestAjv = new Ajv({ strict: false, allErrors: true, logger: false });
    addFormats(requestAjv);
    // v1's own response examples (`2019-02-04 13:58:03`) break its `date-time`; responses are not format-checked.
    const responseAjv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });
    for (const api of ['v2', 'v1'] as const) {
      const spec = Spec.parse(loadSpec(api));
      for (const [template, item] of Object.entries(spec.paths)) {
        for (const method of HTTP_METHODS) {
          if (item[method] === undefined) continue;
          const operation = Operation.parse(item[method]);
          this.operations.push(this.compile(api, method, template, operation, requestAjv, responseAjv));
        }
      }
    }
    // A literal segment wins over a parameter (`/organizations/search` is not `/organizations/{id}`).
    this.operations.sort((a, b) => a.pathParams.length - b.pathParams.length);
  }

  private compile(
    api: ApiVersion,
    method: string,
    rawTemplate: string,
    operation: z.infer<typeof Operation>,
    requestAjv: Ajv,
    responseAjv: Ajv,
  ): CompiledOperation {
    // v1 declares `/oauth/token/` for the refresh grant: the same endpoint as `/oauth/token`.
    const template = rawTemplate.length > 1 ? rawTemplate.replace(/\/$/, '') : rawTemplate;
    const pathParams: string[] = [];
    const pattern = new RegExp(
      '^' +
        template
          .split(/(\{\w+\})/)
          .map((piece) => {
            const name = /^\{(\w+)\}$/.exec(piece)?.[1];
            if (name === undefined) return escapeRegExp(piece);
            pathParams.push(name);
            return '([^/]+)';
          })
          .join('') +
        '$',
    );
    const operationId = operation.operationId ?? `${method} ${template}`;
    let body: Map<string, ValidateFunction> | undefined;
    if (operation.requestBody?.content) {
      body = new Map();
      for (const [media, content] of Object.entries(operation.requestBody.content)) {
        const schema = patchRequestSchema(api, operationId, structuredClone(content.schema ?? {}));
        body.set(media, requestAjv.compile(schema));
      }
    }
    const responses = new Map<string, ValidateFunction | undefined>();
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      const schema = response.content?.['application/json']?.schema;
      responses.set(status, schema ? responseAjv.compile(relaxResponseSchema(structuredClone(schema))) : undefined);
    }
    return {
      api,
      method: method.toUpperCase(),
      template,
      operationId,
      pattern,
      pathParams,
      parameters: (operation.parameters ?? []).map((parameter) => ({
        parameter,
        validate: parameter.schema ? requestAjv.compile(parameter.schema) : undefined,
      })),
      body,
      bodyRequired: operation.requestBody?.required === true,
      responses,
    };
  }

  /** The spec operation a request names, with its path parameters, or why none does. */
  private match(
    method: string,
    path: string,
  ): { operation: CompiledOperation; params: Record<string, string> } | { problem: string } {
    const candidates: { api: ApiVersion; rest: string }[] = path.startsWith('/oauth/')
      ? [{ api: 'v1', rest: path }]
      : PREFIXES.filter(({ prefix }) => path.startsWith(`${prefix}/`)).map(({ prefix, api }) => ({
          api,
          rest: path.slice(prefix.length),
        }));
    if (candidates.length === 0) return { problem: `path ${path} is under no Pipedrive API prefix` };
    let pathMatched = false;
    for (const { api, rest } of candidates) {
      for (const operation of this.operations) {
        if (operation.api !== api) continue;
        const found = operation.pattern.exec(rest);
        if (!found) continue;
        pathMatched = true;
        if (operation.method !== method) continue;
        const params: Record<string, string> = {};
        operation.pathParams.forEach((name, index) => {
          params[name] = decodeURIComponent(found[index + 1] ?? '');
        });
        return { operation, params };
      }
    }
    return {
      problem: pathMatched ? `${method} is not an operation on ${path}` : `no operation in the spec matches ${path}`,
    };
  }

  /** Problems with one recorded exchange: its request, then (unless the answer was an injected fault) its response. */
  check(exchange: RecordedExchange): Verdict {
    const url = new URL(exchange.url);
    const outside = OUTSIDE_SPEC[`${exchange.method} ${url.pathname}`];
    if (outside)
      return {
        operation: `outside the specs: ${exchange.method} ${url.pathname}`,
        problems: outside.requestProblems(exchange),
      };
    const found = this.match(exchange.method, url.pathname);
    if ('problem' in found) return { operation: `${exchange.method} ${url.pathname}`, problems: [found.problem] };
    const { operation, params } = found;
    const name = `${operation.api} ${operation.method} ${operation.template}`;
    const problems = [...this.checkRequest(operation, params, url, exchange)];
    if (!exchange.faulted) problems.push(...this.checkResponse(operation, exchange));
    return { operation: name, problems };
  }

  private checkRequest(
    operation: CompiledOperation,
    params: Record<string, string>,
    url: URL,
    exchange: RecordedExchange,
  ): string[] {
    const problems: string[] = [];
    const declared = new Set(operation.parameters.map(({ parameter }) => `${parameter.in} ${parameter.name}`));
    const checkValue = (where: string, value: string, parameter: CompiledOperation['parameters'][number]) => {
      const { validate } = parameter;
      if (validate && !validate(typedQueryValue(value, parameter.parameter.schema)))
        problems.push(...formatErrors(where, validate.errors));
    };
    for (const entry of operation.parameters) {
      const { parameter } = entry;
      if (parameter.in === 'path') {
        const value = params[parameter.name];
        if (value !== undefined) checkValue(`path ${parameter.name}`, value, entry);
      }
      if (parameter.in === 'query') {
        const value = url.searchParams.get(parameter.name);
        if (value === null) {
          if (parameter.required) problems.push(`query ${parameter.name} is required`);
          continue;
        }
        checkValue(`query ${parameter.name}`, value, entry);
      }
    }
    // v2 validation is strict ([MIG]): a query parameter the operation does not declare is a mistake of ours.
    for (const key of new Set(url.searchParams.keys()))
      if (!declared.has(`query ${key}`)) problems.push(`query ${key} is not a parameter of this operation`);
    const hasBody = exchange.requestBody !== undefined && exchange.requestBody.length > 0;
    if (!operation.body) {
      if (hasBody) problems.push('body sent to an operation that takes none');
      return problems;
    }
    if (!hasBody) {
      if (operation.bodyRequired) problems.push('body is required');
      return problems;
    }
    const media = (exchange.requestContentType ?? '').split(';')[0]?.trim() ?? '';
    const validate = operation.body.get(media);
    if (!validate) return [...problems, `body content-type ${media || '(none)'} is not one the operation takes`];
    const body =
      media === 'application/x-www-form-urlencoded'
        ? Object.fromEntries(new URLSearchParams(exchange.requestBody ?? ''))
        : parseJson(exchange.requestBody ?? '');
    if (body === undefined) return [...problems, 'body is not JSON'];
    if (!validate(body)) problems.push(...formatErrors('body', validate.errors));
    return problems;
  }

  private checkResponse(operation: CompiledOperation, exchange: RecordedExchange): string[] {
    const status = String(exchange.status);
    const body = parseJson(exchange.responseBody);
    const erratum = RESPONSE_ERRATA.find((entry) => entry.excuses(exchange));
    if (erratum) return [];
    if (operation.responses.has(status)) {
      const validate = operation.responses.get(status);
      if (!validate) return [];
      if (body === undefined) return [`response ${status} is not JSON`];
      return validate(body) ? [] : formatErrors(`response ${status} body`, validate.errors);
    }
    if (exchange.status === 302 && operation.operationId === 'authorize') return [];
    if (exchange.status < 400) return [`response ${status} is not declared in the spec`];
    const envelope = operation.template.startsWith('/oauth/') ? OAuthError : ErrorEnvelope;
    return envelope.safeParse(body).success ? [] : [`response ${status} is not an error envelope`];
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface ConformanceReport {
  exchanges: number;
  /** Exchanges per operation (`v2 PATCH /organizations/{id}` → count), the operations used. */
  operations: Record<string, number>;
  /** Requests with at least one problem. */
  invalidRequests: number;
  invalidResponses: number;
  /** Up to 50 examples: operation and problems. */
  violations: { operation: string; problems: string[] }[];
  requestErrata: readonly string[];
  responseErrata: readonly string[];
}

/** Checks every exchange and sums up: which operations were used and what was wrong. */
export function conformanceReport(
  exchanges: readonly RecordedExchange[],
  check = new PipedriveSpecCheck(),
): ConformanceReport {
  const operations: Record<string, number> = {};
  const violations: ConformanceReport['violations'] = [];
  let invalidRequests = 0;
  let invalidResponses = 0;
  for (const exchange of exchanges) {
    const verdict = check.check(exchange);
    operations[verdict.operation] = (operations[verdict.operation] ?? 0) + 1;
    if (verdict.problems.length === 0) continue;
    if (verdict.problems.some((problem) => !problem.startsWith('response'))) invalidRequests++;
    if (verdict.problems.some((problem) => problem.startsWith('response'))) invalidResponses++;
    if (violations.length < 50) violations.push(verdict);
  }
  return {
    exchanges: exchanges.length,
    operations,
    invalidRequests,
    invalidResponses,
    violations,
    requestErrata: [...REQUEST_ERRATA, ...Object.values(OUTSIDE_SPEC).map((entry) => entry.why)],
    responseErrata: RESPONSE_ERRATA.map((entry) => entry.why),
  };
}
