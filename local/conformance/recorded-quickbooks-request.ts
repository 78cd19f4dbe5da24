import * as z from 'zod';

/**
 * One request the connector sent to QuickBooks (API or OAuth) and the status it got, as recorded for
 * the QBO conformance check (JSON lines on disk). Credentials are noted by scheme, never kept.
 */
export const RecordedQuickBooksRequest = z.object({
  method: z.string(),
  /** The whole URL with its query, e.g. `http://127.0.0.1:4200/v3/company/9341/query?query=…&minorversion=75`. */
  url: z.string(),
  accept: z.string().optional(),
  contentType: z.string().optional(),
  /** The scheme of the `Authorization` header (`Bearer`, `Basic`) and whether a credential followed it. */
  authorization: z.object({ scheme: z.string(), credential: z.boolean() }).optional(),
  body: z.string().optional(),
  /** When it arrived, on the sandbox clock (ISO 8601): what the 30-day CDC lookback is measured from. */
  at: z.string(),
  status: z.number().int(),
});
export type RecordedQuickBooksRequest = z.infer<typeof RecordedQuickBooksRequest>;
