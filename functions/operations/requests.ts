import * as z from 'zod';
import { HealthQuery } from './health-report';

const realmId = z.string().min(1).max(40);
/** Who applied a mapping, as the CLI knows them (the OS user, or `ML_CONNECTOR_OPERATOR`). */
const operator = z.string().trim().min(1).max(100);
const customerId = z.string().regex(/^\d{1,20}$/, 'a QuickBooks customer id is a number');

/** What the operator's CLI asks the operations function (one Lambda invoke per command). */
export const OperationRequest = z.discriminatedUnion('command', [
  z.object({
    command: z.literal('status'),
    customer: z.object({ realmId, customerId }).optional(),
  }),
  /** The sync-health page's data: one connection's customers a page at a time (`ml-connector health`). */
  HealthQuery.extend({ command: z.literal('health') }),
  z.object({ command: z.literal('ping'), realmId }),
  z.object({
    command: z.literal('connect-url'),
    provider: z.enum(['quickbooks', 'pipedrive']),
    realmId: realmId.optional(),
    /** Whether the link may move the connection to another Pipedrive company or realm (decision 39). */
    replace: z.boolean().default(false),
    /** How long the link works. */
    ttlMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
  }),
  z.object({
    command: z.literal('connect-api-token'),
    realmId,
    apiToken: z.string().min(8).max(200),
    apiDomain: z.url().optional(),
    /** Connect even though another QuickBooks company already writes into that Pipedrive company. */
    confirmShared: z.boolean().default(false),
    /** Move the connection to another Pipedrive company (audited and alarmed, decision 39). */
    replace: z.boolean().default(false),
  }),
  z.object({ command: z.literal('replay-customer'), realmId, customerId }),
  z.object({
    command: z.literal('replay-since'),
    realmId,
    since: z.iso.datetime({ offset: true }),
  }),
  z.object({ command: z.literal('dead-letters'), move: z.boolean().default(false) }),
  /** A mapping document's text (JSON) as the operator wrote it: validated by the function, one line per problem. */
  z.object({ command: z.literal('mapping-plan'), realmId, document: z.string().max(200_000) }),
  z.object({ command: z.literal('mapping-apply'), realmId, document: z.string().max(200_000), by: operator }),
  z.object({ command: z.literal('mapping-show'), realmId, version: z.number().int().positive().optional() }),
  z.object({
    command: z.literal('mapping-rollback'),
    realmId,
    to: z.number().int().positive().optional(),
    by: operator,
  }),
  z.object({
    command: z.literal('audit'),
    realmId,
    customerId,
    limit: z.number().int().min(1).max(500).default(100),
  }),
]);
export type OperationRequest = z.infer<typeof OperationRequest>;

/** Every answer: a result, or an error the CLI can print as it is (never a token or a record). */
export type OperationResponse = { ok: true; result: unknown } | { ok: false; error: { kind: string; message: string } };
