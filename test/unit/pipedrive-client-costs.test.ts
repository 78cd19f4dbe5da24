import { TOKEN_COSTS as SANDBOX_COSTS } from '../../local/pipedrive/costs.generated';
import { tokenCostTable } from '../../local/pipedrive/openapi/operations';
import { loadSpec } from '../../local/pipedrive/openapi/spec-files';
import { OPERATIONS, pipedriveOperation } from '../../functions/pipedrive/operations';
import { TOKEN_COSTS } from '../../functions/pipedrive/token-costs.generated';
import { USED_OPERATIONS } from '../../functions/pipedrive/used-operations';

const specs = { v2: loadSpec('v2'), v1: loadSpec('v1') };

describe('the runtime token-cost table', () => {
  it.each(['v2', 'v1'] as const)(
    'equals the x-token-cost of the %s operations the connector uses, regenerated from the spec',
    (version) => {
      const spec = tokenCostTable(specs[version]);
      const used: readonly string[] = USED_OPERATIONS[version];
      expect(TOKEN_COSTS[version]).toEqual(
        Object.fromEntries(Object.entries(spec).filter(([key]) => used.includes(key))),
      );
      expect(Object.keys(TOKEN_COSTS[version]).sort()).toEqual([...used].sort());
    },
  );

  it('lists exactly the operations the client names, at what the sandbox charges', () => {
    const named = Object.values(OPERATIONS).map(
      (operation) => `${operation.api} ${operation.method} ${operation.path}`,
    );
    const listed = (['v2', 'v1'] as const).flatMap((version) =>
      USED_OPERATIONS[version].map((key) => `${version} ${key}`),
    );
    expect(named.sort()).toEqual(listed.sort());
    for (const version of ['v2', 'v1'] as const)
      for (const [key, cost] of Object.entries(TOKEN_COSTS[version])) expect(SANDBOX_COSTS[version][key]).toBe(cost);
  });

  it('prices the operations the client uses as FACTS lists them', () => {
    const costs = Object.fromEntries(Object.entries(OPERATIONS).map(([name, operation]) => [name, operation.cost]));
    expect(costs).toEqual({
      listOrganizations: 10,
      listPersons: 10,
      getOrganization: 1,
      createOrganization: 5,
      updateOrganization: 5,
      deleteOrganization: 3,
      mergeOrganizations: 40,
      getPerson: 1,
      createPerson: 5,
      updatePerson: 5,
      searchByField: 20,
      listOrganizationFields: 10,
      createOrganizationField: 5,
      currentUser: 2,
      // A v1 list (FACTS: List entities, v1).
      listUsers: 20,
      // v1 webhooks (decision 63): registered at connect, removed on a reconnect.
      createWebhook: 10,
      deleteWebhook: 6,
    });
  });

  it('marks only search operations for the Search API burst limit', () => {
    const searches = Object.entries(OPERATIONS).filter(([, operation]) => operation.search);
    expect(searches.map(([name]) => name)).toEqual(['searchByField']);
    expect(OPERATIONS.mergeOrganizations).toMatchObject({
      api: 'v1',
      method: 'PUT',
      path: '/organizations/{id}/merge',
    });
  });

  it('refuses an operation the specs do not have', () => {
    expect(() => pipedriveOperation('v2', 'PUT /organizations/{id}' as never)).toThrow(/no x-token-cost/);
  });
});
