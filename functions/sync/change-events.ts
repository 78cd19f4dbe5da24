import * as z from '../shared/zod-mini';

/** What QBO said changed: one entity of one company. A hint to re-read, never data to write (docs/architecture.md#webhook-intake). */
export const ChangeEvent = z.object({
  realmId: z.string().check(z.minLength(1)),
  /** QBO entity name as the API spells it: Customer, Invoice, Payment, … */
  entity: z.string().check(z.minLength(1)),
  id: z.string().check(z.minLength(1)),
  /** Create, Update, Delete, Merge, Void, Emailed, … */
  operation: z.string().check(z.minLength(1)),
  /** The merged-away customer of a Merge. */
  deletedId: z.optional(z.string()),
  /** When QBO says it happened (ISO 8601), if it says. */
  occurredAt: z.optional(z.string()),
  /** Stable across redeliveries of the same event: the CloudEvents id, or a hash of the legacy fields. */
  eventId: z.string().check(z.minLength(1)),
});
export type ChangeEvent = z.infer<typeof ChangeEvent>;

/** The entities whose changes move a customer's Pipedrive organization. */
export const SYNCED_ENTITIES = new Set(['Customer', 'Invoice', 'Payment']);
