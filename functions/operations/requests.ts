import * as z from '../shared/zod-mini';
import { HealthQuery } from './health-report';

const realmId = z.string().check(z.minLength(1), z.maxLength(40));
/** Who applied a mapping, as the CLI knows them (the OS user, or `ML_CONNECTOR_OPERATOR`). */
const operator = z.string().check(z.trim(), z.minLength(1), z.maxLength(100));
const customerId = z.string().check(z.regex(/^\d{1,20}$/, 'a QuickBooks customer id is a number'));

/** What the operator's CLI asks the operations function (one Lambda invoke per command). */
export const OperationRequest = z.discriminatedUnion('command', [
  z.object({
    command: z.literal('status'),
    customer: z.optional(z.object({ realmId, customerId })),
  }),
  /** The sync-health page's data: one connection's customers a page at a time (`ml-connector health`). */
  z.extend(HealthQuery, { command: z.literal('health') }),
  z.object({ command: z.literal('ping'), realmId }),
  z.object({
    command: z.literal('connect-url'),
    provider: z.enum(['quickbooks', 'pipedrive']),
    realmId: z.optional(realmId),
    /** Whether the link may move the connection to another Pipedrive company or realm (decision 39). */
    replace: z._default(z.boolean(), false),
    /** How long the link works. */
    ttlMinutes: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(24 * 60)), 15),
  }),
  z.object({
    command: z.literal('connect-api-token'),
    realmId,
    apiToken: z.string().check(z.minLength(8), z.maxLength(200)),
    apiDomain: z.optional(z.url()),
    /** Connect even though another QuickBooks company already writes into that Pipedrive company. */
    confirmShared: z._default(z.boolean(), false),
    /** Move the connection to another Pipedrive company (audited and alarmed, decision 39). */
    replace: z._default(z.boolean(), false),
  }),
  /** Stops writing into Pipedrive: webhook removed, grant revoked, credential forgotten (decision 63). */
  z.object({ command: z.literal('disconnect-pipedrive'), realmId }),
  z.object({
    command: z.literal('replay-customer'),
    realmId,
    customerId,
    /** Confirmed: create an organization again for a customer whose own a rep deleted or merged away (decision 64). */
    recreate: z._default(z.boolean(), false),
  }),
  z.object({
    command: z.literal('replay-since'),
    realmId,
    since: z.iso.datetime({ offset: true }),
  }),
  z.object({ command: z.literal('dead-letters'), move: z._default(z.boolean(), false) }),
  /** A mapping document's text (JSON) as the operator wrote it: validated by the function, one line per problem. */
  z.object({ command: z.literal('mapping-plan'), realmId, document: z.string().check(z.maxLength(200_000)) }),
  z.object({
    command: z.literal('mapping-apply'),
    realmId,
    document: z.string().check(z.maxLength(200_000)),
    by: operator,
  }),
  z.object({
    command: z.literal('mapping-show'),
    realmId,
    version: z.optional(z.number().check(z.int(), z.positive())),
  }),
  z.object({
    command: z.literal('mapping-rollback'),
    realmId,
    to: z.optional(z.number().check(z.int(), z.positive())),
    by: operator,
  }),
  z.object({
    command: z.literal('audit'),
    realmId,
    customerId,
    limit: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(500)), 100),
  }),
]);
export type OperationRequest = z.infer<typeof OperationRequest>;

/** Every answer: a result, or an error the CLI can print as it is (never a token or a record). */
export type OperationResponse = { ok: true; result: unknown } | { ok: false; error: { kind: string; message: string } };
