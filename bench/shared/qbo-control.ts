import * as z from 'zod';
import type { QuickBooksSandbox } from '../../local/quickbooks';

const Token = z.object({ access_token: z.string() });
const CustomerAnswer = z.object({ Customer: z.looseObject({ Id: z.string() }) });

/** A call to the QBO sandbox's control API (what a person clicking in QBO would cause). */
export async function qboControl(
  sandbox: QuickBooksSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${sandbox.describe().controlUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`QBO sandbox control ${method} ${path}: HTTP ${response.status}`);
  return text ? JSON.parse(text) : undefined;
}

/** An access token for the realm, issued by the sandbox without the OAuth dance. */
export async function qboAccessToken(sandbox: QuickBooksSandbox, realmId: string): Promise<string> {
  return Token.parse(await qboControl(sandbox, 'POST', '/oauth/tokens', { realmId })).access_token;
}

/** Edits a customer in QBO as a person would (sparse update); returns its id. */
export async function editCustomer(
  sandbox: QuickBooksSandbox,
  realmId: string,
  id: string,
  patch: Record<string, unknown>,
): Promise<string> {
  return CustomerAnswer.parse(await qboControl(sandbox, 'PATCH', `/realms/${realmId}/customers/${id}`, patch)).Customer
    .Id;
}
