import { TOKEN_COSTS } from '../../local/pipedrive/costs.generated';
import { tokenCost } from '../../local/pipedrive/costs';
import { specOperations, tokenCostTable } from '../../local/pipedrive/openapi/operations';
import { loadSpec } from '../../local/pipedrive/openapi/spec-files';
import { apiRoutes } from '../../local/pipedrive/server';

const specs = { v2: loadSpec('v2'), v1: loadSpec('v1') };

describe('token cost table', () => {
  it.each(['v2', 'v1'] as const)('equals the x-token-cost of every %s operation in the spec', (version) => {
    expect(TOKEN_COSTS[version]).toEqual(tokenCostTable(specs[version]));
  });

  it('covers every operation of both specs (158 in v2, 213 in v1)', () => {
    expect(Object.keys(TOKEN_COSTS.v2)).toHaveLength(158);
    expect(Object.keys(TOKEN_COSTS.v1)).toHaveLength(213);
  });

  it('has the costs FACTS lists for the connector operations', () => {
    expect(tokenCost({ api: 'v2', method: 'GET', path: '/organizations' })).toBe(10);
    expect(tokenCost({ api: 'v2', method: 'GET', path: '/organizations/{id}' })).toBe(1);
    expect(tokenCost({ api: 'v2', method: 'POST', path: '/organizations' })).toBe(5);
    expect(tokenCost({ api: 'v2', method: 'PATCH', path: '/organizations/{id}' })).toBe(5);
    expect(tokenCost({ api: 'v2', method: 'DELETE', path: '/organizations/{id}' })).toBe(3);
    expect(tokenCost({ api: 'v2', method: 'GET', path: '/itemSearch/field' })).toBe(20);
    expect(tokenCost({ api: 'v1', method: 'PUT', path: '/organizations/{id}/merge' })).toBe(40);
    expect(tokenCost({ api: 'v1', method: 'GET', path: '/organizationFields' })).toBe(20);
  });

  it('refuses an operation the specs do not have', () => {
    expect(() => tokenCost({ api: 'v2', method: 'PUT', path: '/organizations/{id}' })).toThrow(/no x-token-cost/);
  });
});

describe('sandbox routes', () => {
  const routes = apiRoutes();

  it.each(routes.map((route) => [route.api, route.method, route.path, route] as const))(
    '%s %s %s is a spec operation with the same operationId and OAuth scopes',
    (api, method, path, route) => {
      const operation = specOperations(specs[api]).find((op) => op.method === method && op.path === path);
      expect(operation?.operationId).toBe(route.operationId);
      const security = scopesOf(specs[api], method, path);
      expect([...route.scopes].sort()).toEqual([...security].sort());
    },
  );
});

function scopesOf(spec: unknown, method: string, path: string): string[] {
  const document = spec as { paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>> };
  const security = document.paths[path]?.[method.toLowerCase()]?.security ?? [];
  return security.flatMap((entry) => entry.oauth2 ?? []);
}
