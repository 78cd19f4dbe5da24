import { TOKEN_COSTS } from './costs.generated';
import type { ApiVersion } from './openapi/spec-files';

/** An operation the sandbox serves, named as in the spec it belongs to. */
export interface OperationRef {
  api: ApiVersion;
  method: string;
  /** Path template relative to the spec's server, e.g. `/organizations/{id}`. */
  path: string;
  operationId: string;
}

/** The operation's `x-token-cost`; throws for an operation the specs do not have (a sandbox bug). */
export function tokenCost(operation: Pick<OperationRef, 'api' | 'method' | 'path'>): number {
  const cost = TOKEN_COSTS[operation.api][`${operation.method} ${operation.path}`];
  if (cost === undefined) throw new Error(`no x-token-cost for ${operation.api} ${operation.method} ${operation.path}`);
  return cost;
}
