import OpenAPIBackend, { type Document } from 'openapi-backend';
import * as z from 'zod';
import type { Exchange } from '../core';
import { applyErrata } from './errata';
import { loadSpec, type ApiVersion } from './spec-files';

/** Narrows a parsed YAML document to an OpenAPI document (enough to hand it to the validator). */
const OpenApiDocument = z.custom<Document>(
  (value) =>
    z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }).safeParse(value).success,
  'not an OpenAPI document',
);

const API_ROOT: Readonly<Record<ApiVersion, string>> = { v2: '/api/v2', v1: '/v1' };

/** What an undocumented error answer must still look like: Pipedrive's error envelope ([RESP]). */
const ErrorEnvelope = z.looseObject({ success: z.literal(false), error: z.string().min(1) });
const OAuthError = z.looseObject({ error: z.string().min(1), message: z.string().min(1) });

/** Parses a JSON-ish body; `undefined` when it is not JSON. */
function parseBody(body: unknown): unknown {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return body;
  try {
    return JSON.parse(body.toString());
  } catch {
    return undefined;
  }
}

function formatErrors(errors: readonly { instancePath: string; message?: string }[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
}

/**
 * Checks sandbox exchanges against Pipedrive's official OpenAPI documents (with the errata of errata.ts),
 * using openapi-backend (Ajv). Answers with a status the spec declares are validated against it;
 * undeclared error statuses (the v2 spec declares none) must use the documented error envelope.
 */
export class OpenApiConformance {
  private constructor(private readonly backends: Readonly<Record<ApiVersion, OpenAPIBackend>>) {}

  static async load(): Promise<OpenApiConformance> {
    const backend = async (version: ApiVersion) => {
      const definition = loadSpec(version);
      applyErrata(definition);
      // `quick` skips validating the 1–2 MB documents themselves and compiles validators lazily.
      // Formats are not checked: v1's own examples (`2019-02-04 13:58:03`) break its `date-time`.
      const api = new OpenAPIBackend({
        definition: OpenApiDocument.parse(definition),
        quick: true,
        ajvOpts: { validateFormats: false },
        apiRoot: API_ROOT[version],
      });
      await api.init();
      return api;
    };
    const [v2, v1] = await Promise.all([backend('v2'), backend('v1')]);
    return new OpenApiConformance({ v2, v1 });
  }

  /** Problems with the request; empty when it conforms. */
  checkRequest(exchange: Exchange): string[] {
    const { operation, request } = exchange;
    if (!operation) return [];
    const contentType = request.headers['content-type'] ?? '';
    const raw = request.rawBody.toString('utf8');
    const body =
      raw.length === 0
        ? undefined
        : contentType.includes('form')
          ? Object.fromEntries(new URLSearchParams(raw))
          : parseBody(raw);
    // v1 is served under `/api/v1` and, on the API-token host, `/v1` (decision 45); the backend knows it as `/v1`.
    const path = operation.path.startsWith('/oauth/')
      ? API_ROOT.v1 + request.path
      : request.path.replace(/^\/api\/v1\//, '/v1/');
    const result = this.backends[operation.api].validator.validateRequest(
      {
        method: request.method.toLowerCase(),
        path,
        query: Object.fromEntries(request.query),
        headers: flatHeaders(request.headers),
        body,
      },
      operation.operationId,
    );
    return formatErrors(result.errors).map((problem) => `request ${problem}`);
  }

  /** Problems with the response; empty when it conforms. */
  checkResponse(exchange: Exchange): string[] {
    const { operation, response } = exchange;
    if (!operation) return [];
    const body = parseBody(response.body);
    const api = this.backends[operation.api];
    const declared = api.getOperation(operation.operationId)?.responses ?? {};
    if (String(response.status) in declared) {
      const result = api.validator.validateResponse(body, operation.operationId, response.status);
      return formatErrors(result.errors).map((problem) => `response ${response.status} ${problem}`);
    }
    if (response.status === 302 && operation.operationId === 'authorize') return [];
    const envelope = operation.path.startsWith('/oauth/') ? OAuthError : ErrorEnvelope;
    const parsed = envelope.safeParse(body);
    if (response.status < 400) return [`response ${response.status} is not declared in the spec`];
    return parsed.success ? [] : [`response ${response.status} is not an error envelope`];
  }

  check(exchange: Exchange): string[] {
    return [...this.checkRequest(exchange), ...this.checkResponse(exchange)];
  }
}

function flatHeaders(headers: Exchange['request']['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
