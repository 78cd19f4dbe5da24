import * as z from 'zod';
import type { OperationRequest } from '../functions/operations/requests';
import { CliError, type Target } from './targets';

/** What the CLI may send the operations function: its own request schema, before defaults (a type only, nothing loaded). */
export type OperationRequestInput = z.input<typeof OperationRequest>;

const OperationResponse = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ kind: z.string(), message: z.string() }) }),
]);

const HINTS: Record<string, string> = {
  'needs-reauth': 'Reconnect with `ml-connector connect quickbooks` (or `connect pipedrive`).',
  'rate-limited': 'The API is rate-limiting this connection; try again in a minute.',
  transient: 'A temporary failure; try again.',
};

/** Runs one operation on the operations function and parses its answer with `schema`. */
export async function operation<T>(
  target: Target,
  request: OperationRequestInput,
  schema: z.core.$ZodType<T>,
): Promise<T> {
  const answer = OperationResponse.safeParse(await target.invoke('operations', request));
  if (!answer.success) throw new CliError(`unexpected answer from the operations function of ${target.description}`);
  if (!answer.data.ok) {
    const hint = HINTS[answer.data.error.kind];
    // One line, as every CLI error: what happened, then what to do.
    throw new CliError(`${answer.data.error.message}${hint ? `. ${hint}` : ''}`);
  }
  const result = z.safeParse(schema, answer.data.result);
  if (!result.success)
    throw new CliError(`unexpected answer from ${target.description}: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** Invokes a function that answers with its own result (backfill, cdc-poll). */
export async function invoke<T>(
  target: Target,
  name: 'backfill' | 'cdc-poll',
  payload: object,
  schema: z.core.$ZodType<T>,
): Promise<T> {
  const result = z.safeParse(schema, await target.invoke(name, payload));
  if (!result.success)
    throw new CliError(`unexpected answer from the ${name} function: ${z.prettifyError(result.error)}`);
  return result.data;
}
