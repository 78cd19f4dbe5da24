import * as z from 'zod';
import type { SandboxRequest } from '../shared/http';
import { formatIssue } from './custom-field-values';
import { parseRfc3339 } from './time';

/** Query values are strings; v2 converts nothing loosely, so integers must be plain digits. */
export const integerParam = z
  .string()
  .regex(/^-?\d+$/, 'must be an integer')
  .transform((value) => Number(value));
export const positiveIdParam = integerParam.pipe(z.number().int().positive());
export const booleanParam = z.enum(['true', 'false']).transform((value) => value === 'true');
/** `limit`: default 100, at most 500 ([PAG]). Over 500 is an error here; the live error is unverified. */
export const limitParam = integerParam.pipe(z.number().int().min(1).max(500)).default(100);
export const rfc3339Param = z.string().transform((value, context) => {
  const epochMs = parseRfc3339(value);
  if (epochMs === undefined) {
    context.addIssue({ code: 'custom', message: 'not a valid datetime (RFC 3339 without fractional seconds)' });
    return z.NEVER;
  }
  return epochMs;
});
/** A comma-separated list of at most `max` positive ids. */
export function idListParam(max: number) {
  return z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(z.string().regex(/^\d+$/, 'must be a comma separated list of ids').transform(Number)).max(max));
}
/** A comma-separated list whose every entry is one of `allowed`. */
export function enumListParam<const T extends readonly [string, ...string[]]>(allowed: T) {
  return z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(z.enum(allowed)).min(1));
}

/** The first value of each query parameter. */
export function queryRecord(request: SandboxRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of request.query) if (!(key in out)) out[key] = value;
  return out;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Parses the query with `schema`; parameters the schema does not name are ignored, as by the API. */
export function parseQuery<T>(request: SandboxRequest, schema: z.ZodType<T>): Parsed<T> {
  return parseWith(schema, queryRecord(request));
}

export function parseWith<T>(schema: z.ZodType<T>, input: unknown): Parsed<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: result.error.issues.map((issue) => formatIssue(issue)) };
}
