import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import type { RunningServer } from '../shared/http';
import { serve } from '../shared/http';

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: object) => Promise<unknown>;

export interface HttpApiRoute {
  method: string;
  /** A path with `{name}` segments, as API Gateway routes are written. */
  path: string;
  handler: HttpApiHandler;
}

const HandlerResult = z.object({
  statusCode: z.number().int(),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

function matches(pattern: string, path: string): Record<string, string> | undefined {
  const expected = pattern.split('/').filter(Boolean);
  const actual = path.split('/').filter(Boolean);
  if (expected.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of expected.entries()) {
    const value = actual[index] ?? '';
    if (part.startsWith('{') && part.endsWith('}')) params[part.slice(1, -1)] = decodeURIComponent(value);
    else if (part !== value) return undefined;
  }
  return params;
}

/**
 * API Gateway's HTTP API (payload format 2.0), on this machine: requests become the events the
 * functions get in AWS (raw body base64-encoded when it is not text, as API Gateway does), and their
 * results become responses.
 */
export function startHttpApiFront(
  routes: readonly HttpApiRoute[],
  options: { port?: number; host?: string; maxBodyBytes?: number; context: () => object },
): Promise<RunningServer> {
  return serve(
    async (request) => {
      for (const route of routes) {
        if (route.method !== request.method) continue;
        const pathParameters = matches(route.path, request.path);
        if (!pathParameters) continue;
        const contentType = request.headers['content-type'] ?? '';
        const text = /json|text|x-www-form-urlencoded|xml/.test(contentType) || request.rawBody.length === 0;
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers))
          if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
        const event: APIGatewayProxyEventV2 = {
          version: '2.0',
          routeKey: `${route.method} ${route.path}`,
          rawPath: request.path,
          rawQueryString: request.query.toString(),
          headers,
          queryStringParameters: Object.fromEntries(request.query),
          pathParameters,
          requestContext: {
            accountId: '000000000000',
            apiId: 'local',
            domainName: request.headers.host ?? 'localhost',
            domainPrefix: 'local',
            http: {
              method: request.method,
              path: request.path,
              protocol: 'HTTP/1.1',
              sourceIp: '127.0.0.1',
              userAgent: request.headers['user-agent'] ?? '',
            },
            requestId: `local-${Date.now()}`,
            routeKey: `${route.method} ${route.path}`,
            stage: '$default',
            time: new Date().toISOString(),
            timeEpoch: Date.now(),
          },
          isBase64Encoded: !text,
          ...(request.rawBody.length > 0 ? { body: request.rawBody.toString(text ? 'utf8' : 'base64') } : {}),
        };
        const result = HandlerResult.safeParse(await route.handler(event, options.context()));
        if (!result.success)
          return {
            status: 502,
            headers: { 'content-type': 'application/json' },
            body: '{"message":"Internal Server Error"}',
          };
        const responseHeaders = Object.fromEntries(
          Object.entries(result.data.headers ?? {}).map(([name, value]) => [name, String(value)]),
        );
        const body =
          result.data.body === undefined
            ? undefined
            : result.data.isBase64Encoded
              ? Buffer.from(result.data.body, 'base64')
              : result.data.body;
        return { status: result.data.statusCode, headers: responseHeaders, ...(body !== undefined ? { body } : {}) };
      }
      return { status: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"Not Found"}' };
    },
    {
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    },
  );
}
