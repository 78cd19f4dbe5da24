import type { ApiVersion } from '../pipedrive/openapi/spec-files';
import type { RecordedExchange } from './recorded-exchange';
import { ADDRESS_PARTS } from '../pipedrive/store';

/**
 * Where Pipedrive's published specs are wrong, with the source that says so. Request-side errata
 * are only Pipedrive's documented spec bugs; everything not listed is checked as published.
 * Kept apart from the sandbox's own errata (local/pipedrive/openapi/errata.ts) on purpose.
 */
export const REQUEST_ERRATA = [
  'v2 addOrganization requires `title`, which is not even a property: only `name` is required (Pipedrive API v2 migration guide, https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide; FACTS §2 "Spec bug").',
] as const;

type Schema = Record<string, unknown>;

/** Applies REQUEST_ERRATA to a copy of one operation's request-body schema. */
export function patchRequestSchema(api: ApiVersion, operationId: string, schema: Schema): Schema {
  if (api === 'v2' && operationId === 'addOrganization') return { ...schema, required: ['name'] };
  return schema;
}

interface OutsideSpecOperation {
  why: string;
  /** What is checked instead of a spec: the request's problems. */
  requestProblems(exchange: RecordedExchange): string[];
}

/** Operations Pipedrive serves that neither spec declares, with the source that documents them. */
export const OUTSIDE_SPEC: Readonly<Record<string, OutsideSpecOperation>> = {
  'POST /oauth/revoke': {
    why: 'Token revocation: `POST /oauth/revoke` with `token` and `token_type_hint`, client Basic auth (the official SDK, `src/versions/v2/configuration.ts`; FACTS "OAuth 2.0").',
    requestProblems: (exchange) => {
      const form = new URLSearchParams(exchange.requestBody ?? '');
      const hint = form.get('token_type_hint');
      return [
        ...(exchange.requestContentType?.startsWith('application/x-www-form-urlencoded')
          ? []
          : ['request: the body is not application/x-www-form-urlencoded']),
        ...(exchange.authenticated ? [] : ['request: no client Basic auth']),
        ...(form.get('token') ? [] : ['request: no `token`']),
        ...(hint === null || hint === 'access_token' || hint === 'refresh_token'
          ? []
          : [`request: token_type_hint ${hint} is neither access_token nor refresh_token`]),
      ];
    },
  },
};

interface ResponseErratum {
  why: string;
  excuses(exchange: RecordedExchange): boolean;
}

/** Answers Pipedrive documents but neither spec declares. */
export const RESPONSE_ERRATA: readonly ResponseErratum[] = [
  {
    why: 'api_token traffic that keeps sending after 429s gets a Cloudflare 403 HTML page, not JSON (Rate limiting, https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting; FACTS §5).',
    excuses: (exchange) => exchange.status === 403 && (exchange.responseContentType ?? '').includes('text/html'),
  },
];

/** Properties the specs type as non-nullable that Pipedrive documents as null, with the source. */
export const NULLABLE_IN_RESPONSES: Readonly<Record<string, string>> = {
  next_cursor:
    '`next_cursor` is null on the last page (Pagination, https://pipedrive.readme.io/docs/core-api-concepts-pagination).',
  address:
    'An organization without an address has `address: null`: the spec\'s own persons/search example answers `"address": null` (persons-v2-search-response.json).',
  ...Object.fromEntries(
    [...ADDRESS_PARTS, 'formatted_address'].map((part) => [
      part,
      'Address parts not sent "will default to null if not provided" (API v2 migration guide, https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide).',
    ]),
  ),
  picture_id:
    'A person without a picture has `picture_id: null`: the v2 organization schema declares the same field nullable. Unverified for persons.',
  first_name:
    'A person created with only `name` has no first/last name split: null. Unverified (the sandbox does not split names).',
  last_name: 'As first_name. Unverified.',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `nullable` needs a `type` in Ajv; a schema without one becomes "it, or null". In place. */
function allowNull(schema: Record<string, unknown>): void {
  if ('type' in schema) {
    schema.nullable = true;
    return;
  }
  const original = { ...schema };
  for (const key of Object.keys(schema)) Reflect.deleteProperty(schema, key);
  schema.anyOf = [original, { type: 'null' }];
}

/** Marks NULLABLE_IN_RESPONSES nullable throughout a copy of a response schema. */
export function relaxResponseSchema(schema: Schema): Schema {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((item: unknown) => {
        visit(item);
      });
      return;
    }
    if (!isRecord(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && isRecord(value)) {
        for (const [name, property] of Object.entries(value)) {
          if (name in NULLABLE_IN_RESPONSES && isRecord(property)) allowNull(property);
          visit(property);
        }
      } else visit(value);
    }
  };
  visit(schema);
  return schema;
}
