import { PermanentError } from '../shared/errors';

/**
 * An operator's command names a realm or a customer that must exist: a typo is an error the CLI
 * prints (exit 1), never work queued for nothing or a misleading "not active".
 */
export async function requireConnection(realmId: string, exists: (realmId: string) => Promise<boolean>): Promise<void> {
  if (!(await exists(realmId)))
    throw new PermanentError(
      `no QuickBooks company with realm ${realmId} is connected; \`ml-connector status\` lists the connected ones`,
      { system: 'aws' },
    );
}

export interface CustomerLookup {
  /** Whether the connector has a link for it (it was synced, or the sync failed). */
  linked: (customerId: string) => Promise<boolean>;
  /** Whether QuickBooks has it (inactive ones included). */
  inQuickBooks: (customerId: string) => Promise<boolean>;
}

/** A customer QuickBooks has, or one the connector has a link for (a customer merged away is still replayable). */
export async function requireCustomer(realmId: string, customerId: string, lookup: CustomerLookup): Promise<void> {
  if ((await lookup.linked(customerId)) || (await lookup.inQuickBooks(customerId))) return;
  throw new PermanentError(`QuickBooks company ${realmId} has no customer ${customerId}`, { system: 'quickbooks' });
}
