import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { sameSecret } from '../../functions/connections/connection-links';
import type { FunctionName } from '../../lib/function-timeouts';
import type { HttpApiRoute } from '../aws/http-api-front';
import { type HealthSources, healthSnapshot, renderHealth } from './health-page';

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

/** The sync-health page (not a Lambda: a view of the table and queues for the person running the stack). */
function healthRoute(path: string, format: 'html' | 'json', sources: () => HealthSources | undefined): HttpApiRoute {
  return {
    method: 'GET',
    path,
    handler: async (event: APIGatewayProxyEventV2) => {
      const ready = sources();
      if (!ready) return { statusCode: 503, body: 'starting' };
      const query = event.queryStringParameters ?? {};
      const customer = query.realm && query.customer ? { realmId: query.realm, qboId: query.customer } : undefined;
      const snapshot = await healthSnapshot(ready, customer);
      return format === 'json'
        ? json(snapshot)
        : { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: renderHealth(snapshot) };
    },
  };
}

/** The HTTP API's routes (lib/api.ts), the health page, and the CLI's invoke route. */
export function frontRoutes(invoke: Invoke, adminKey: string, health: () => HealthSources | undefined): HttpApiRoute[] {
  return [
    { method: 'POST', path: '/webhooks/quickbooks', handler: (event) => invoke('webhook', event) },
    { method: 'GET', path: '/oauth/{provider}/{step}', handler: (event) => invoke('oauth', event) },
    // Pipedrive's app-uninstall notice (decision 46).
    { method: 'DELETE', path: '/oauth/pipedrive/callback', handler: (event) => invoke('oauth', event) },
    healthRoute('/health', 'html', health),
    healthRoute('/health.json', 'json', health),
    invokeRoute(invoke, adminKey),
  ];
}
