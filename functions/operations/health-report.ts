import * as z from '../shared/zod-mini';
import { PipedriveFindingsSummary } from '../sync/pipedrive-findings-summary';
import { CustomerCounts } from './customer-counts';

/**
 * What the sync-health page shows, as the operations function answers it (`health`): the CLI parses
 * it with this schema at its boundary, the local stack builds it in-process; one renderer draws both
 * (functions/operations/health-page.ts). Ids, names and field names only: never a token or a record.
 */
export const HEALTH_STATES = ['failed', 'review', 'pending', 'excluded', 'synced'] as const;
export const HealthState = z.enum(HEALTH_STATES);
export type HealthState = z.infer<typeof HealthState>;

export const HealthActivity = z.object({
  at: z.number(),
  source: z.string(),
  action: z.string(),
  qboId: z.string(),
  name: z.optional(z.string()),
  orgId: z.optional(z.number()),
  pipedriveTokens: z._default(z.number(), 0),
  what: z.string(),
});
export type HealthActivity = z.infer<typeof HealthActivity>;

export const HealthCustomer = z.object({
  qboId: z.string(),
  name: z.optional(z.string()),
  state: HealthState,
  orgId: z.optional(z.number()),
  reason: z.optional(z.string()),
  updatedAt: z.number(),
  qboUrl: z.string(),
  pipedriveUrl: z.optional(z.string()),
});
export type HealthCustomer = z.infer<typeof HealthCustomer>;

export const FailureGroup = z.object({
  category: z.string(),
  title: z.string(),
  advice: z.string(),
  command: z.string(),
  count: z.number(),
  /** A few of the customers, to start with. */
  examples: z.array(z.object({ qboId: z.string(), name: z.optional(z.string()), reason: z.string() })),
});
export type FailureGroup = z.infer<typeof FailureGroup>;

export const QboCallEstimate = z.object({
  today: z.number(),
  month: z.number(),
  projected: z.number(),
  cap: z.number(),
  daysElapsed: z.number(),
  daysInMonth: z.number(),
});
export type QboCallEstimate = z.infer<typeof QboCallEstimate>;

export const HealthConnection = z.object({
  realmId: z.string(),
  companyName: z.optional(z.string()),
  status: z.string(),
  statusReason: z.optional(z.string()),
  pipedrive: z.optional(
    z.object({
      apiDomain: z.string(),
      plan: z.string(),
      seats: z.number(),
      auth: z.string(),
      webhook: z.optional(z.boolean()),
    }),
  ),
  tokens: z.array(
    z.object({
      provider: z.string(),
      accessExpiresInMinutes: z.nullable(z.number()),
      refreshExpiresInDays: z.nullable(z.number()),
    }),
  ),
  counts: CustomerCounts,
  parked: z.number(),
  deferredForBudget: z.number(),
  deferredForThrottling: z.number(),
  budget: z.optional(z.object({ spent: z.number(), share: z.number(), realmSpent: z.number() })),
  qboCalls: QboCallEstimate,
  lastSuccess: z.object({
    poll: z.optional(z.number()),
    webhook: z.optional(z.number()),
    reconcile: z.optional(z.number()),
  }),
  /** When the oldest change held back (parked for a reconnect, the budget, a block or QBO throttling) was parked. */
  oldestWaitingAt: z.optional(z.number()),
  daily: z.array(z.object({ day: z.string(), pipedriveTokens: z.number(), qboCalls: z.number() })),
  failures: z.array(FailureGroup),
  /** What the last Pipedrive-side reconcile found (decision 64); absent before its first run. */
  pipedriveFindings: z.optional(PipedriveFindingsSummary),
  recent: z.array(HealthActivity),
});
export type HealthConnection = z.infer<typeof HealthConnection>;

export const HealthReport = z.object({
  at: z.number(),
  connections: z.array(HealthConnection),
  /** The connection the customer list and the failures are of (the first one unless asked). */
  realmId: z.optional(z.string()),
  customers: z.object({
    state: z.optional(HealthState),
    search: z.optional(z.string()),
    page: z.number(),
    pageSize: z.number(),
    /** Customers matching the filter (all pages). */
    total: z.number(),
    rows: z.array(HealthCustomer),
  }),
  queues: z.array(z.object({ name: z.string(), visible: z.number(), inFlight: z.number() })),
  customer: z.optional(z.object({ realmId: z.string(), qboId: z.string(), timeline: z.array(HealthActivity) })),
});
export type HealthReport = z.infer<typeof HealthReport>;

/** What the page asks for: which connection, which customers, which page, whose history. */
export const HealthQuery = z.object({
  realmId: z.optional(z.string().check(z.minLength(1), z.maxLength(40))),
  state: z.optional(HealthState),
  search: z.optional(z.string().check(z.maxLength(100))),
  page: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100_000)), 1),
  pageSize: z._default(z.number().check(z.int(), z.minimum(5), z.maximum(200)), 50),
  customerId: z.optional(z.string().check(z.regex(/^\d{1,20}$/))),
});
export type HealthQuery = z.infer<typeof HealthQuery>;

/** The page's query string as a HealthQuery (unknown or malformed values are dropped, not errors). */
export function healthQueryFrom(params: URLSearchParams): HealthQuery {
  const number = (name: string) => {
    const value = Number(params.get(name));
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };
  const state = HealthState.safeParse(params.get('state'));
  const customer = params.get('customer');
  const parsed = HealthQuery.safeParse({
    ...(params.get('realm') ? { realmId: params.get('realm') } : {}),
    ...(state.success ? { state: state.data } : {}),
    ...(params.get('q') ? { search: params.get('q') } : {}),
    ...(number('page') !== undefined ? { page: number('page') } : {}),
    ...(number('size') !== undefined ? { pageSize: number('size') } : {}),
    ...(customer && /^\d{1,20}$/.test(customer) ? { customerId: customer } : {}),
  });
  return parsed.success ? parsed.data : HealthQuery.parse({});
}
