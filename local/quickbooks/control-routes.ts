import * as z from 'zod';
import { json, jsonBody, type Router, type SandboxRequest, type SandboxResponse } from '../shared/http';
import { type Latency, LatencyInput } from '../shared/latency';
import { validationFault } from './fault-bodies';
import { CustomerInput, InvoiceInput, parseInput, PaymentInput, QboValidationError } from './ledger-inputs';
import { transactionId } from './oauth';
import { ReferenceDatasetName } from './seed';
import type { QuickBooksSandboxState } from './state';

export const CONTROL_PREFIX = '/_sandbox';

const ClockChange = z.object({
  set: z.union([z.string(), z.number()]).optional(),
  advanceMs: z.number().int().min(0).optional(),
  scale: z.number().min(0).optional(),
});
const SeedRequest = z.union([
  z.object({ count: z.number().int().min(0).max(100_000), seed: z.number().int().default(42) }),
  z.object({ reference: ReferenceDatasetName }),
]);
const RealmRequest = z.object({
  realmId: z
    .string()
    .regex(/^\d{1,20}$/)
    .optional(),
  companyName: z.string().min(1).default('Sandbox Company'),
});
const MergeRequest = z.object({ into: z.string().min(1) });
const WebhookConfig = z
  .object({
    url: z.url().optional(),
    format: z.enum(['legacy', 'cloudevents']).optional(),
    verifierToken: z.string().min(1).optional(),
    batchWindowMs: z.number().int().min(0).optional(),
    retryScheduleMs: z.array(z.number().int().min(0)).min(1).optional(),
    timeoutMs: z.number().int().positive().optional(),
    dropProbability: z.number().min(0).max(1).optional(),
    duplicateProbability: z.number().min(0).max(1).optional(),
    reorderProbability: z.number().min(0).max(1).optional(),
    multiRealm: z.boolean().optional(),
    seed: z.number().int().optional(),
  })
  .strict();
const OAuthConfig = z
  .object({
    accessTokenTtlSeconds: z.number().int().positive().optional(),
    refreshTokenTtlSeconds: z.number().int().positive().optional(),
    rotationPeriodMs: z.number().int().min(0).optional(),
    supersededGraceMs: z.number().int().min(0).optional(),
    hardExpirySeconds: z.number().int().positive().optional(),
    codeTtlMs: z.number().int().positive().optional(),
    accessTokenMaxUses: z.number().int().positive().optional(),
    /** The realm the sandbox user consents for; null makes the user decline. */
    consentRealm: z.string().nullable().optional(),
  })
  .strict();
const ThrottleConfig = z.union([
  z.object({
    perSecond: z.number().int().positive(),
    perMinute: z.number().int().positive(),
    format: z.enum(['xml', 'json']).optional(),
  }),
  z.object({ enabled: z.literal(false) }),
]);
const CdcConfig = z
  .object({
    maxLookbackDays: z.number().int().min(0).optional(),
    maxObjectsPerEntity: z.number().int().positive().optional(),
  })
  .strict();
const LedgerConfig = z
  .object({
    balanceChangeTouchesCustomer: z.boolean().optional(),
    deactivateOperation: z.enum(['Update', 'Delete']).optional(),
  })
  .strict();
const RealmOnly = z.object({ realmId: z.string().min(1) });

function parse<T>(schema: z.ZodType<T>, request: SandboxRequest): T | SandboxResponse {
  const result = schema.safeParse(jsonBody(request) ?? {});
  if (result.success) return result.data;
  return json(400, { error: 'invalid control request', issues: result.error.issues });
}

function isResponse(value: unknown): value is SandboxResponse {
  return typeof value === 'object' && value !== null && 'status' in value && typeof value.status === 'number';
}

/** A route that parses its JSON body with `schema` first, answering 400 when it does not fit. */
const withBody =
  <T>(schema: z.ZodType<T>, handle: (input: T, request: SandboxRequest) => SandboxResponse) =>
  (request: SandboxRequest) => {
    const input = parse(schema, request);
    return isResponse(input) ? input : handle(input, request);
  };

/** Runs a ledger operation, answering QBO's own fault for a request QBO would refuse. */
function books(state: QuickBooksSandboxState, realmId: string, operation: () => object): SandboxResponse {
  if (!state.company(realmId)) return json(404, { error: `unknown realm ${realmId}` });
  try {
    return json(200, operation());
  } catch (error) {
    if (!(error instanceof QboValidationError)) throw error;
    const detail = {
      message: error.message,
      detail: error.detail,
      code: error.code,
      ...(error.element !== undefined ? { element: error.element } : {}),
    };
    return validationFault(400, detail, state.requireCompany(realmId).responseTime(), transactionId());
  }
}

const realm = (request: SandboxRequest) => request.params.realmId ?? '';
const p = CONTROL_PREFIX;

/** The sandbox's description, a reset, and the clock. */
function addClockRoutes(router: Router, state: QuickBooksSandboxState, describe: () => object): void {
  router.add('GET', p, () => json(200, describe()));
  router.add('POST', `${p}/reset`, () => {
    state.reset();
    return json(200, { reset: true });
  });

  router.add('GET', `${p}/clock`, () =>
    json(200, { now: new Date(state.clock.now()).toISOString(), epochMs: state.clock.now(), scale: state.clock.scale }),
  );
  router.add(
    'POST',
    `${p}/clock`,
    withBody(ClockChange, (change) => {
      if (change.scale !== undefined) state.clock.setScale(change.scale);
      if (change.set !== undefined)
        state.clock.set(typeof change.set === 'number' ? change.set : Date.parse(change.set));
      if (change.advanceMs !== undefined) state.clock.advance(change.advanceMs);
      return json(200, {
        now: new Date(state.clock.now()).toISOString(),
        epochMs: state.clock.now(),
        scale: state.clock.scale,
      });
    }),
  );
}

/** Companies and their books: seed data, and customer, invoice and payment changes (which fire webhooks). */
function addBooksRoutes(router: Router, state: QuickBooksSandboxState): void {
  router.add('GET', `${p}/realms`, () => json(200, { realms: state.realms() }));
  router.add(
    'POST',
    `${p}/realms`,
    withBody(RealmRequest, (input) => {
      const realmId = input.realmId ?? `93414551${String(30_166_501 + state.realms().length * 1117).padStart(8, '0')}`;
      state.addCompany(realmId, input.companyName);
      return json(200, { realmId });
    }),
  );
  router.add(
    'POST',
    `${p}/realms/:realmId/seed`,
    withBody(SeedRequest, (seed, request) =>
      books(state, realm(request), () => ({ seeded: state.seed(realm(request), seed) })),
    ),
  );

  router.add('POST', `${p}/realms/:realmId/customers`, (request) =>
    books(state, realm(request), () => ({
      Customer: state.ledger(realm(request)).createCustomer(parseInput(CustomerInput, jsonBody(request))),
    })),
  );
  const update = (request: SandboxRequest) =>
    books(state, realm(request), () => ({
      Customer: state
        .ledger(realm(request))
        .updateCustomer(request.params.id ?? '', parseInput(CustomerInput, jsonBody(request))),
    }));
  router.add('POST', `${p}/realms/:realmId/customers/:id`, update);
  router.add('PATCH', `${p}/realms/:realmId/customers/:id`, update);
  router.add('POST', `${p}/realms/:realmId/customers/:id/deactivate`, (request) =>
    books(state, realm(request), () => ({
      Customer: state.ledger(realm(request)).deactivateCustomer(request.params.id ?? ''),
    })),
  );
  router.add('POST', `${p}/realms/:realmId/customers/:id/reactivate`, (request) =>
    books(state, realm(request), () => ({
      Customer: state.ledger(realm(request)).reactivateCustomer(request.params.id ?? ''),
    })),
  );
  router.add(
    'POST',
    `${p}/realms/:realmId/customers/:id/merge`,
    withBody(MergeRequest, (merge, request) =>
      books(state, realm(request), () => ({
        Customer: state.ledger(realm(request)).mergeCustomers(request.params.id ?? '', merge.into),
      })),
    ),
  );
  router.add('GET', `${p}/realms/:realmId/customers/:id/balances`, (request) =>
    books(state, realm(request), () => {
      const ledger = state.ledger(realm(request));
      const id = request.params.id ?? '';
      const customer = ledger.company.read('Customer', id);
      return {
        open: customer?.Balance ?? null,
        openWithJobs: customer?.BalanceWithJobs ?? null,
        overdue: ledger.overdueBalance(id),
      };
    }),
  );
  router.add('POST', `${p}/realms/:realmId/invoices`, (request) =>
    books(state, realm(request), () => ({
      Invoice: state.ledger(realm(request)).createInvoice(parseInput(InvoiceInput, jsonBody(request))),
    })),
  );
  router.add('POST', `${p}/realms/:realmId/payments`, (request) =>
    books(state, realm(request), () => ({
      Payment: state.ledger(realm(request)).createPayment(parseInput(PaymentInput, jsonBody(request))),
    })),
  );
}

/** Webhook delivery: its configuration, what was attempted, and a flush. */
function addWebhookRoutes(router: Router, state: QuickBooksSandboxState): void {
  router.add('GET', `${p}/webhooks`, () =>
    json(200, { ...state.webhooks.options, verifierToken: undefined, backlog: state.webhooks.backlog() }),
  );
  router.add(
    'PUT',
    `${p}/webhooks`,
    withBody(WebhookConfig, (config) => {
      state.webhooks.configure(config);
      return json(200, { configured: true });
    }),
  );
  router.add('GET', `${p}/webhooks/deliveries`, () =>
    json(200, { attempts: state.webhooks.attempts, backlog: state.webhooks.backlog() }),
  );
  router.add('POST', `${p}/webhooks/flush`, async () => {
    await state.webhooks.pump();
    return json(200, { attempts: state.webhooks.attempts.length, backlog: state.webhooks.backlog() });
  });
}

/** The OAuth server's settings, and tokens expired, revoked or issued on demand. */
function addOAuthRoutes(router: Router, state: QuickBooksSandboxState): void {
  router.add('GET', `${p}/oauth`, () =>
    json(200, { ...state.oauth.options, consentRealm: state.consentRealm ?? null }),
  );
  router.add(
    'PUT',
    `${p}/oauth`,
    withBody(OAuthConfig, ({ consentRealm, ...options }) => {
      state.oauth.options = { ...state.oauth.options, ...options };
      if (consentRealm !== undefined) state.consentRealm = consentRealm ?? undefined;
      return json(200, { configured: true });
    }),
  );
  router.add('POST', `${p}/oauth/expire-access-tokens`, () => {
    state.oauth.expireAccessTokens();
    return json(200, { expired: true });
  });
  router.add(
    'POST',
    `${p}/oauth/revoke-realm`,
    withBody(RealmOnly, ({ realmId }) => {
      state.oauth.revokeRealm(realmId);
      return json(200, { revoked: realmId });
    }),
  );
  router.add(
    'POST',
    `${p}/oauth/tokens`,
    withBody(RealmOnly, ({ realmId }) => json(200, state.oauth.issueForRealm(realmId))),
  );
}

/** Throttling, the CDC window, the ledger's unverified behaviours, and latency. */
function addLimitRoutes(router: Router, state: QuickBooksSandboxState, latency: Latency): void {
  router.add(
    'PUT',
    `${p}/throttle`,
    withBody(ThrottleConfig, (config) => {
      if ('enabled' in config) {
        state.throttle.limits = false;
        state.batchThrottle.limits = false;
      } else {
        state.throttle.limits = { perSecond: config.perSecond, perMinute: config.perMinute };
        if (config.format) state.throttleFormat = config.format;
      }
      return json(200, { configured: true });
    }),
  );
  router.add(
    'PUT',
    `${p}/cdc`,
    withBody(CdcConfig, (config) => {
      state.cdcOptions = { ...state.cdcOptions, ...config };
      return json(200, { configured: true });
    }),
  );
  router.add(
    'PUT',
    `${p}/ledger`,
    withBody(LedgerConfig, (config) => {
      Object.assign(state.ledgerOptions, config);
      return json(200, { configured: true });
    }),
  );

  router.add('GET', `${p}/latency`, () => json(200, latency.describe()));
  router.add(
    'PUT',
    `${p}/latency`,
    withBody(LatencyInput, (input) => {
      latency.configure(input);
      return json(200, latency.describe());
    }),
  );
}

/** Injected faults and the counters. */
function addFaultRoutes(router: Router, state: QuickBooksSandboxState): void {
  router.add('GET', `${p}/faults`, () => json(200, { faults: state.faults.list() }));
  router.add('POST', `${p}/faults`, (request) => {
    try {
      return json(200, { id: state.faults.add(jsonBody(request) ?? {}) });
    } catch (error) {
      return json(400, { error: 'invalid fault', message: error instanceof Error ? error.message : String(error) });
    }
  });
  router.add('DELETE', `${p}/faults`, () => {
    state.faults.clear();
    return json(200, { cleared: true });
  });
  router.add('DELETE', `${p}/faults/:id`, (request) =>
    json(200, { removed: state.faults.remove(request.params.id ?? '') }),
  );

  router.add('GET', `${p}/counters`, () => json(200, state.counters.snapshot()));
  router.add('DELETE', `${p}/counters`, () => {
    state.counters.reset();
    return json(200, { reset: true });
  });
}

/**
 * The control API tests and the local stack use: seed data, make changes (which fire webhooks),
 * configure OAuth, webhooks, limits and faults, read counters and move the clock.
 */
export function addControlRoutes(
  router: Router,
  state: QuickBooksSandboxState,
  describe: () => object,
  latency: Latency,
): void {
  addClockRoutes(router, state, describe);
  addBooksRoutes(router, state);
  addWebhookRoutes(router, state);
  addOAuthRoutes(router, state);
  addLimitRoutes(router, state, latency);
  addFaultRoutes(router, state);
}
