/**
 * The Pipedrive operations the connector calls, by their spec key. The runtime token-cost table
 * (`token-costs.generated.ts`) is generated for these alone by `local/pipedrive/openapi/generate-costs.ts`;
 * `OPERATIONS` (operations.ts) can name only what is listed here. To call another operation, add it
 * here and regenerate.
 */
export const USED_OPERATIONS = {
  v2: [
    'GET /organizations',
    'GET /organizations/{id}',
    'POST /organizations',
    'PATCH /organizations/{id}',
    'DELETE /organizations/{id}',
    'GET /persons',
    'GET /persons/{id}',
    'POST /persons',
    'PATCH /persons/{id}',
    'GET /itemSearch/field',
    'GET /organizationFields',
    'POST /organizationFields',
  ],
  v1: ['PUT /organizations/{id}/merge', 'GET /users/me', 'GET /users', 'POST /webhooks', 'DELETE /webhooks/{id}'],
} as const;
