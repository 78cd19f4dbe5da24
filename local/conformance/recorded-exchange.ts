import * as z from 'zod';

/** One request to Pipedrive and its answer, as recorded for the conformance check (JSON lines on disk). */
export const RecordedExchange = z.object({
  method: z.string(),
  /** The whole URL with its query, e.g. `http://127.0.0.1:4100/api/v2/organizations?limit=500`. */
  url: z.string(),
  requestContentType: z.string().optional(),
  requestBody: z.string().optional(),
  /** Whether the request carried a credential (`x-api-token` or `Authorization`); the value is never kept. */
  authenticated: z.boolean(),
  status: z.number().int(),
  responseContentType: z.string().optional(),
  responseBody: z.string(),
  /** The answer was an injected fault (chaos), not the sandbox's own: only the request is checked. */
  faulted: z.boolean(),
});
export type RecordedExchange = z.infer<typeof RecordedExchange>;
