import { TOKEN_COSTS as SANDBOX_COSTS } from '../../local/pipedrive/costs.generated';
import { tokenCostTable } from '../../local/pipedrive/openapi/operations';
import { loadSpec } from '../../local/pipedrive/openapi/spec-files';
import { OPERATIONS, pipedriveOperation } from '../../functions/pipedrive/operations';
import { TOKEN_COSTS } from '../../functions/pipedrive/token-costs.generated';

const specs = { v2: loadSpec('v2'), v1: loadSpec('v1') };

describe('the runtime token-cost table', () => {
  it.each(['v2', 'v1'] as const)(
    'equals the x-token-cost of every %s operation regenerated from the spec',
    (version) => {
      expect(TOKEN_COSTS[version]).toEqual(tokenCostTable(specs[version]));
    },
  );

  it('covers every operation of both specs and agrees with what the sandbox charges', () => {
    expect(Object.keys(TOKEN_COSTS.v2)).toHaveLength(158);
    expect(Object.keys(TOKEN_COSTS.v1)).toHaveLength(213);
    expect(TOKEN_COSTS).toEqual(SANDBOX_COSTS);
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
    });
  });

  it('marks only search operations for the Search API burst limit', () => {
    const searches = Object.entries(OPERATIONS).filter(([, operation]) => operation.search);
    expect(searches.map(([name]) => name)).toEqual(['searchByField']);
    expect(pipedriveOperation('v2', 'GET /organizations/search').search).toBe(true);
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
