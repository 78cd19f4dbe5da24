/**
 * The one DynamoDB table (docs/architecture.md#dynamodb-items): string keys `pk`/`sk`, a TTL attribute, and one
 * sparse GSI for listings (connections; recent activity across customers). The CDK stack and
 * the local stack create it from these names.
 */
export const TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;
export const TTL_ATTRIBUTE = 'expiresAt';
export const LISTING_INDEX = { name: 'listing', partition: 'gsi1pk', sort: 'gsi1sk' } as const;
/**
 * Customer links by connection and state, newest change first (decision 59): `byState` is
 * `LINKSTATE#realm#state`, the sort key the link's `updatedAt`. It projects what a page row shows.
 */
export const LINK_STATE_INDEX = {
  name: 'linksByState',
  partition: 'byState',
  sort: 'updatedAt',
  projected: ['qboId', 'state', 'orgId', 'reason', 'pushed'],
} as const;
/** Counter shards: concurrent state changes of different customers seldom meet on one counter item (decision 59). */
export const LINK_COUNT_SHARDS = 16;
/** The counter shard a customer's state changes move (a string hash of its id, so always the same one). */
export function linkCountShard(qboId: string): number {
  let hash = 0;
  for (const char of qboId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 1_000_003;
  return hash % LINK_COUNT_SHARDS;
}
export const linkStatePartition = (realmId: string, state: string) => `LINKSTATE#${realmId}#${state}`;

export const keys = {
  connection: (realmId: string) => ({ pk: `CONN#${realmId}`, sk: 'META' }),
  tokens: (realmId: string, provider: string) => ({ pk: `CONN#${realmId}`, sk: `TOKENS#${provider}` }),
  cursor: (realmId: string, name: string) => ({ pk: `CONN#${realmId}`, sk: `CURSOR#${name}` }),
  link: (realmId: string, qboId: string) => ({ pk: `CONN#${realmId}`, sk: `CUSTOMER#${qboId}` }),
  /** A customer's open invoices as last read (decision 66); expires, as a missing one is only read again. */
  openInvoices: (realmId: string, qboId: string) => ({ pk: `CONN#${realmId}`, sk: `OPENINVOICES#${qboId}` }),
  /** One shard of the connection's customers counted by link state, kept at every state change (decision 59). */
  linkCounts: (realmId: string, shard: number) => ({ pk: `CONN#${realmId}`, sk: `LINKCOUNTS#${String(shard)}` }),
  lease: (scope: string, name: string) => ({ pk: `LEASE#${scope}`, sk: name }),
  budget: (companyId: string, day: string) => ({ pk: `PIPEDRIVE#${companyId}`, sk: `BUDGET#${day}` }),
  /** The company's Cloudflare block (decision 32). */
  pipedriveBlock: (companyId: string) => ({ pk: `PIPEDRIVE#${companyId}`, sk: 'BLOCK' }),
  audit: (realmId: string, qboId: string, sortKey: string) => ({ pk: `AUDIT#${realmId}#${qboId}`, sk: sortKey }),
  oauthState: (state: string) => ({ pk: `OAUTHSTATE#${state}`, sk: 'STATE' }),
  /** The shared QBO call limiter of one company: `block`, `slot#N` (calls in flight) and `w#…` (call counts per bucket). */
  qboLimit: (realmId: string, part: string) => ({ pk: `QBOLIMIT#${realmId}`, sk: part }),
  /** A hash of something used once (a link nonce, an authorization code): decision 39. */
  usedOnce: (kind: string, hash: string) => ({ pk: `ONCE#${kind}#${hash}`, sk: 'USED' }),
  /** A change of what a connection is tied to (another Pipedrive company, another realm). */
  connectionChange: (realmId: string, sortKey: string) => ({ pk: `CONNCHANGE#${realmId}`, sk: sortKey }),
  /** The metered QBO calls of one company on one UTC day (`DAY#yyyy-mm-dd`), for the monthly CorePlus estimate. */
  qboUsage: (realmId: string, day: string) => ({ pk: `QBOUSAGE#${realmId}`, sk: `DAY#${day}` }),
  /** When a poll, a webhook change or a reconcile of the connection last succeeded (the sync-health page). */
  healthMark: (realmId: string, kind: string) => ({ pk: `HEALTH#${realmId}`, sk: kind }),
  /** What the last Pipedrive-side reconcile found, grouped for operators (decision 64). */
  pipedriveFindings: (realmId: string) => ({ pk: `HEALTH#${realmId}`, sk: 'PIPEDRIVE-FINDINGS' }),
  /** The connection's mapping in use: a copy of the current version's document and its number (decision 61). */
  mappingCurrent: (realmId: string) => ({ pk: `MAPPING#${realmId}`, sk: 'CURRENT' }),
  /** One stored mapping version, never deleted (zero-padded so they sort by number). */
  mappingVersion: (realmId: string, version: number) => ({
    pk: `MAPPING#${realmId}`,
    sk: `V#${String(version).padStart(6, '0')}`,
  }),
} as const;

/** The only attributes the webhook's role may read (lib/functions.ts, decision 41): keys, the realm id and the webhook's hash. */
export const REALM_REGISTRY_ATTRIBUTES = [
  'pk',
  'sk',
  LISTING_INDEX.partition,
  LISTING_INDEX.sort,
  'realmId',
  // What verifies a Pipedrive webhook's Basic auth: a salted hash, never the password (decision 63).
  'pipedriveWebhook',
] as const;

export const LINK_PREFIX = 'CUSTOMER#';
export const CONNECTION_LISTING = 'CONNECTIONS';
export const activityListing = (realmId: string) => `ACTIVITY#${realmId}`;

/**
 * Parked work: `reauth` waits for a reconnect, `budget` for the next Pipedrive budget day, `blocked`
 * for the end of the Pipedrive company's Cloudflare block, `throttle` for QBO to take calls again (a
 * 429 or the shared limiter).
 */
export type ParkingLane = 'reauth' | 'budget' | 'blocked' | 'throttle';
export const parkedKey = (realmId: string, sortKey: string, lane: ParkingLane = 'reauth') => ({
  pk: lane === 'reauth' ? `PARKED#${realmId}` : `PARKED#${lane}#${realmId}`,
  sk: sortKey,
});
