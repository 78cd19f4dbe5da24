import * as z from 'zod';
import { header, type SandboxRequest } from '../shared/http';
import { parseWith, type Parsed } from './query';

/**
 * The JSON body of a write, parsed by `schema`. v2 wants `application/json`; a missing or
 * unparsable body is a validation error like any other.
 */
export function parseJsonBody<T>(request: SandboxRequest, schema: z.ZodType<T>): Parsed<T> {
  const contentType = header(request, 'content-type') ?? '';
  if (!/^application\/json\b/i.test(contentType)) {
    return { ok: false, problems: ['body: content-type must be application/json'] };
  }
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return { ok: false, problems: ['body: not valid JSON'] };
  }
  return parseWith(schema, body);
}

/** A path id: plain digits only ("12abc" and "1.0" are errors, as v2 coerces nothing). */
export function pathId(request: SandboxRequest, name = 'id'): number | undefined {
  const raw = request.params[name] ?? '';
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}
