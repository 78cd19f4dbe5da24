import * as z from '../shared/zod-mini';

/** Pipedrive's envelope and formats as the client reads and writes them. */

const NextCursor = z.looseObject({ next_cursor: z.optional(z.nullable(z.string())) });

export function envelope<T>(data: z.ZodMiniType<T>) {
  return z.looseObject({ data, additional_data: z.optional(z.nullable(NextCursor)) });
}

export function problems(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}

/** RFC 3339 in UTC without fractional seconds: v2 rejects `….000Z` (FACTS §2). Rounds down, so nothing is skipped. */
export function pipedriveTimestamp(time: number | string): string {
  const epochMs = typeof time === 'number' ? time : Date.parse(time);
  if (Number.isNaN(epochMs)) throw new RangeError(`not a timestamp: ${String(time)}`);
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
