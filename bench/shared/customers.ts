import * as z from 'zod';
import type { QuickBooksSandbox } from '../../local/quickbooks';

const StoredCustomer = z.looseObject({
  Id: z.string(),
  Active: z.boolean().optional(),
  Job: z.boolean().optional(),
});

/** Active top-level customers (each has an organization of its own), lowest ids first. */
export function topLevelCustomerIds(sandbox: QuickBooksSandbox, realmId: string): string[] {
  return sandbox.state
    .requireCompany(realmId)
    .all('Customer')
    .filter((stored) => !stored.deleted)
    .map((stored) => StoredCustomer.safeParse(stored.record))
    .flatMap((parsed) => (parsed.success ? [parsed.data] : []))
    .filter((customer) => customer.Active !== false && customer.Job !== true)
    .map((customer) => customer.Id)
    .sort((a, b) => Number(a) - Number(b));
}

/** A change to a field the connector maps (the organization's name). */
export function mappedEdit(round: number, id: string): Record<string, unknown> {
  return { CompanyName: `Bench Co ${id} r${round}` };
}

/** A change to a field the connector does not map (QBO notes): QBO still announces an Update. */
export function unmappedEdit(round: number): Record<string, unknown> {
  return { Notes: `bench note ${round}` };
}
