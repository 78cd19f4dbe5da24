import { z } from 'zod';

/** What QBO said changed: one entity of one company. A hint to re-read, never data to write (docs/architecture.md#webhook-intake). */
export const ChangeEvent = z.object({
  realmId: z.string().min(1),
  /** QBO entity name as the API spells it: Customer, Invoice, Payment, … */
  entity: z.string().min(1),
  id: z.string().min(1),
  /** Create, Update, Delete, Merge, Void, Emailed, … */
  operation: z.string().min(1),
  /** The merged-away customer of a Merge. */
  deletedId: z.string().optional(),
  /** When QBO says it happened (ISO 8601), if it says. */
  occurredAt: z.string().optional(),
  /** Stable across redeliveries of the same event: the CloudEvents id, or a hash of the legacy fields. */
  eventId: z.string().min(1),
});
export type ChangeEvent = z.infer<typeof ChangeEvent>;

/** The entities whose changes move a customer's Pipedrive organization. */
export const SYNCED_ENTITIES = new Set(['Customer', 'Invoice', 'Payment']);
