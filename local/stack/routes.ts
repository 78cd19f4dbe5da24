import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { sameSecret } from '../../functions/connections/connection-links';
import type { FunctionName } from '../../lib/function-timeouts';
import type { HttpApiRoute } from '../aws/http-api-front';
import * as z from 'zod';
import { HealthReport, healthQueryFrom } from '../../functions/operations/health-report';
import { renderHealthPage } from '../../functions/operations/health-page';

/** Invokes one of the stack's functions as Lambda would, with a context that counts down its timeout. */
export type Invoke = (name: FunctionName, event: unknown) => Promise<unknown>;

/** The functions the CLI may invoke through the front, by the names it uses. */
const INVOKABLE: Readonly<Record<string, FunctionName>> = {
  operations: 'operations',
  backfill: 'backfill',
  'cdc-poll': 'cdcPoll',
  'token-upkeep': 'tokenUpkeep',
};

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/**
 * `POST /_local/invoke/{function}`: the CLI invokes functions through the front, as it would through
 * Lambda's Invoke API; a random key (in the state file, readable only by this user) keeps other local
 * processes out (decision 23).
 */
function invokeRoute(invoke: Invoke, adminKey: string): HttpApiRoute {
  return {
    method: 'POST',
    path: '/_local/invoke/{function}',
    handler: async (event) => {
      const target = INVOKABLE[event.pathParameters?.function ?? ''];
      if (!sameSecret(event.headers['x-local-admin-key'] ?? '', adminKey))
        return { statusCode: 403, body: 'forbidden' };
      if (!target) return { statusCode: 404, body: 'no such function' };
      let payload: unknown;
      try {
        payload = JSON.parse(event.body ?? '{}');
      } catch {
        return { statusCode: 400, body: 'the payload is not JSON' };
      }
      try {
        return json((await invoke(target, payload)) ?? null);
      } catch (error) {
        // As Lambda reports an unhandled error: its type and message, no stack.
        const errorType = error instanceof Error ? error.name : 'Error';
        const errorMessage = error instanceof Error ? error.message : String(error);
        return json({ errorType, errorMessage }, { 'x-amz-function-error': 'Unhandled' });
      }
    },
  };
}

/**
 * The sync-health page: the same page `ml-connector health` serves for a deployed stack, drawn from
 * the operations function's health report (decision 53).
 */
function healthRoute(path: string, format: 'html' | 'json', invoke: Invoke, ready: () => boolean): HttpApiRoute {
  return {
    method: 'GET',
    path,
    handler: async (event: APIGatewayProxyEventV2) => {
      if (!ready()) return { statusCode: 503, body: 'starting' };
      const query = new URLSearchParams(
        Object.entries(event.queryStringParameters ?? {}).flatMap(([key, value]): [string, string][] =>
          value === undefined ? [] : [[key, value]],
        ),
      );
      const answer = await invoke('operations', { command: 'health', ...healthQueryFrom(query) });
      const parsed = z.object({ ok: z.literal(true), result: HealthReport }).safeParse(answer);
      if (!parsed.success)
        return { statusCode: 500, body: 'the operations function did not answer with a health report' };
      return format === 'json'
        ? json(parsed.data.result)
        : {
            statusCode: 200,
            headers: { 'content-type': 'text/html; charset=utf-8' },
            body: renderHealthPage(parsed.data.result),
          };
    },
  };
}

/** The HTTP API's routes (lib/api.ts), the health page, and the CLI's invoke route. */
export function frontRoutes(invoke: Invoke, adminKey: string, ready: () => boolean): HttpApiRoute[] {
  return [
    { method: 'POST', path: '/webhooks/quickbooks', handler: (event) => invoke('webhook', event) },
    // Pipedrive's organization webhooks (decision 63).
    { method: 'POST', path: '/webhooks/pipedrive/{realmId}', handler: (event) => invoke('webhook', event) },
    { method: 'GET', path: '/oauth/{provider}/{step}', handler: (event) => invoke('oauth', event) },
    // Pipedrive's app-uninstall notice (decision 46).
    { method: 'DELETE', path: '/oauth/pipedrive/callback', handler: (event) => invoke('oauth', event) },
    healthRoute('/health', 'html', invoke, ready),
    healthRoute('/health.json', 'json', invoke, ready),
    invokeRoute(invoke, adminKey),
  ];
}
