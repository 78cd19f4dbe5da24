import type { ApiVersion } from '../pipedrive/openapi/spec-files';
import type { RecordedExchange } from './recorded-exchange';

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
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
          if (name in NULLABLE_IN_RESPONSES && isRecord(property)) property.nullable = true;
          visit(property);
        }
      } else visit(value);
    }
  };
  visit(schema);
  return schema;
}
