import * as z from 'zod';
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
  name: z.string().optional(),
  orgId: z.number().optional(),
  pipedriveTokens: z.number().default(0),
  what: z.string(),
});
export type HealthActivity = z.infer<typeof HealthActivity>;

export const HealthCustomer = z.object({
  qboId: z.string(),
  name: z.string().optional(),
  state: HealthState,
  orgId: z.number().optional(),
  reason: z.string().optional(),
  updatedAt: z.number(),
  qboUrl: z.string(),
  pipedriveUrl: z.string().optional(),
});
export type HealthCustomer = z.infer<typeof HealthCustomer>;

export const FailureGroup = z.object({
  category: z.string(),
  title: z.string(),
  advice: z.string(),
  command: z.string(),
  count: z.number(),
  /** A few of the customers, to start with. */
  examples: z.array(z.object({ qboId: z.string(), name: z.string().optional(), reason: z.string() })),
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
  companyName: z.string().optional(),
  status: z.string(),
  statusReason: z.string().optional(),
  pipedrive: z.object({ apiDomain: z.string(), plan: z.string(), seats: z.number(), auth: z.string() }).optional(),
  tokens: z.array(
    z.object({
      provider: z.string(),
      accessExpiresInMinutes: z.number().nullable(),
      refreshExpiresInDays: z.number().nullable(),
    }),
  ),
  counts: CustomerCounts,
  parked: z.number(),
  deferredForBudget: z.number(),
  deferredForThrottling: z.number(),
  budget: z.object({ spent: z.number(), share: z.number(), realmSpent: z.number() }).optional(),
  qboCalls: QboCallEstimate,
  lastSuccess: z.object({
    poll: z.number().optional(),
    webhook: z.number().optional(),
    reconcile: z.number().optional(),
  }),
  /** When the oldest change held back (parked for a reconnect, the budget, a block or QBO throttling) was parked. */
  oldestWaitingAt: z.number().optional(),
  daily: z.array(z.object({ day: z.string(), pipedriveTokens: z.number(), qboCalls: z.number() })),
  failures: z.array(FailureGroup),
  recent: z.array(HealthActivity),
});
export type HealthConnection = z.infer<typeof HealthConnection>;

export const HealthReport = z.object({
  at: z.number(),
  connections: z.array(HealthConnection),
  /** The connection the customer list and the failures are of (the first one unless asked). */
  realmId: z.string().optional(),
  customers: z.object({
    state: HealthState.optional(),
    search: z.string().optional(),
    page: z.number(),
    pageSize: z.number(),
    /** Customers matching the filter (all pages). */
    total: z.number(),
    rows: z.array(HealthCustomer),
  }),
  queues: z.array(z.object({ name: z.string(), visible: z.number(), inFlight: z.number() })),
  customer: z.object({ realmId: z.string(), qboId: z.string(), timeline: z.array(HealthActivity) }).optional(),
});
export type HealthReport = z.infer<typeof HealthReport>;

/** What the page asks for: which connection, which customers, which page, whose history. */
export const HealthQuery = z.object({
  realmId: z.string().min(1).max(40).optional(),
  state: HealthState.optional(),
  search: z.string().max(100).optional(),
  page: z.number().int().min(1).max(100_000).default(1),
  pageSize: z.number().int().min(5).max(200).default(50),
  customerId: z
    .string()
    .regex(/^\d{1,20}$/)
    .optional(),
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
