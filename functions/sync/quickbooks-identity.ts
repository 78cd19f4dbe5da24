/**
 * A QuickBooks customer's identity in Pipedrive (decision 35): its realm and its id, written as
 * `<realmId>:<customerId>` into the "QuickBooks ID" field. QBO customer ids are small integers that
 * every company numbers from 1, so a bare id would let two companies writing into one Pipedrive
 * company claim each other's organizations.
 */
export interface QuickbooksIdentity {
  realmId: string;
  /**
   * Whether a bare id (written before decision 35) is this realm's: true only for the realm first
   * connected to the Pipedrive company, the one every bare id was written by while it was alone.
   */
  ownsBareIds: boolean;
}

const SEPARATOR = ':';

/** The value written into the "QuickBooks ID" field and searched for exactly. */
export function qualifiedQuickbooksId(realmId: string, qboId: string): string {
  return `${realmId}${SEPARATOR}${qboId}`;
}

/** The field value split into its realm (undefined for a bare id written before decision 35) and customer id. */
export function parseQuickbooksId(value: string): { realmId: string | undefined; qboId: string } {
  const trimmed = value.trim();
  const at = trimmed.lastIndexOf(SEPARATOR);
  return at === -1
    ? { realmId: undefined, qboId: trimmed }
    : { realmId: trimmed.slice(0, at), qboId: trimmed.slice(at + 1) };
}

/** The customer id a field value names within this realm, or undefined when it is another realm's (or empty). */
export function ownCustomerId(value: string | undefined, identity: QuickbooksIdentity): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const { realmId, qboId } = parseQuickbooksId(value);
  if (qboId === '') return undefined;
  if (realmId === undefined) return identity.ownsBareIds ? qboId : undefined;
  return realmId === identity.realmId ? qboId : undefined;
}

/** The field values that may name this customer, most likely first (the bare one only for its owner). */
export function quickbooksIdValues(qboId: string, identity: QuickbooksIdentity): string[] {
  return [qualifiedQuickbooksId(identity.realmId, qboId), ...(identity.ownsBareIds ? [qboId] : [])];
}

export interface ConnectedRealm {
  realmId: string;
  createdAt: number;
  pipedrive?: { companyId: string } | undefined;
}

/**
 * The realm whose bare ids a Pipedrive company holds: the connection to it created first (ties by
 * realm id, so every function picks the same one). Undefined when no connection writes into it.
 */
export function bareIdOwner(connections: readonly ConnectedRealm[], companyId: string): string | undefined {
  const into = connections
    .filter((connection) => connection.pipedrive?.companyId === companyId)
    .sort((a, b) => a.createdAt - b.createdAt || a.realmId.localeCompare(b.realmId));
  return into[0]?.realmId;
}
