import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import * as z from '../shared/zod-mini';
import { requireConnection, requireCustomer } from '../operations/known';
import { ping } from '../operations/ping';
import { replayCustomer, replaySince } from '../operations/replay';
import { applyMapping, type MappingDeps, planMappingChange, rollbackMapping, showMapping } from '../operations/mapping';
import { OperationRequest, type OperationResponse } from '../operations/requests';
import { healthReport } from '../operations/health';
import { DEFAULT_QBO_MONTHLY_CALL_CAP } from '../operations/qbo-call-estimate';
import { statusSnapshot, type StatusSources } from '../operations/status';
import { budgetDay } from '../pipedrive/budget-day';
import { drainDeadLetters } from '../aws/dead-letters';
import { errorKind, isConnectorError, PermanentError } from '../shared/errors';
import { logger, metrics } from '../aws/powertools';
import { linkSigningKey } from '../aws/secrets';
import { mintLinkToken } from '../connections/connection-links';
import { SqsMessageQueue } from '../aws/sqs-queue';
import { tableNamed } from '../store/table-client';
import { AuditLog } from '../store/audit-log';
import { BudgetLedger } from '../store/budget-ledger';
import { ConnectionStore } from '../store/connections';
import { LinkStore } from '../store/link-store';
import { MappingStore } from '../store/mapping-store';
import { syncedLinks } from '../store/synced-links';
import { mapCustomersNow } from '../sync/map-now';
import { SyncContext } from '../sync/sync-context';
import { parseMappingJson } from '../sync/mapping-document';
import { NeedsReauthError } from '../connections/token-lifecycle';
import {
  clientFactoryFor,
  MappingSettings,
  mappingOptions,
  pipedriveCommandsFor,
  PipedrivePlanSettings,
  RuntimeConfig,
} from './shared/runtime-config';
import { withDeadline } from '../shared/invocation-deadline';
import type { Context } from 'aws-lambda';

const Config = z.extend(RuntimeConfig, {
  /** The HTTP API's base URL, for connection links. */
  API_URL: z.url(),
  CHANGES_DLQ_URL: z.optional(z.string().check(z.minLength(1))),
  BULK_DLQ_URL: z.optional(z.string().check(z.minLength(1))),
  ...PipedrivePlanSettings,
  /** QBO's CorePlus monthly cap, for the health page's projection (config `qboMonthlyCallCap`). */
  QBO_MONTHLY_CALL_CAP: z._default(z.coerce.number().check(z.int(), z.positive()), DEFAULT_QBO_MONTHLY_CALL_CAP),
  /** How customers map, as the worker maps them: a mapping plan must price what the worker will write. */
  ...MappingSettings,
});
const config = Config.parse(process.env);
const table = tableNamed(config.TABLE_NAME);
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const changes = new SqsMessageQueue(sqs, config.CHANGES_QUEUE_URL);
const bulk = new SqsMessageQueue(sqs, config.BULK_QUEUE_URL ?? config.CHANGES_QUEUE_URL);
// Scheduled or operator-run with minutes to spare: a QBO 429 is waited out rather than failing the run.
const clientFactory = clientFactoryFor(config, { waitOutQboThrottling: true });
const ledger = new BudgetLedger(table);
const queues: Record<string, string> = { changes: config.CHANGES_QUEUE_URL };
if (config.BULK_QUEUE_URL) queues.bulk = config.BULK_QUEUE_URL;
const deadLetterQueues = [
  ...(config.CHANGES_DLQ_URL
    ? [{ name: 'changes DLQ', url: config.CHANGES_DLQ_URL, sourceUrl: config.CHANGES_QUEUE_URL }]
    : []),
  ...(config.BULK_DLQ_URL && config.BULK_QUEUE_URL
    ? [{ name: 'bulk DLQ', url: config.BULK_DLQ_URL, sourceUrl: config.BULK_QUEUE_URL }]
    : []),
];

const pipedriveCommands = pipedriveCommandsFor(config, changes);

const connections = new ConnectionStore(table);
const links = new LinkStore(table);
const mappings = new MappingStore(table);
const audit = new AuditLog(table, 1);

/** The mapping commands' dependencies (decision 61): the plan reads QBO as the worker's batch does. */
const mappingDeps: MappingDeps = {
  mappings,
  syncedLinks: (realmId) => syncedLinks(table, realmId),
  clients: async (realmId) => (await clientFactory()).forRealm(realmId),
  mapNow: async (realmId, document, ids) => {
    const clients = await (await clientFactory()).forRealm(realmId);
    const context = new SyncContext(
      realmId,
      {
        qbo: clients.qbo,
        pipedrive: clients.pipedrive,
        links,
        audit,
        requeue: bulk,
        fields: clients.fields,
        ownsBareIds: clients.ownsBareIds,
        now: Date.now,
      },
      // Only the mapping is used: nothing is written, so the merge rule and claim timing do not matter.
      { ...mappingOptions(config), mergeRule: 'flag', pendingStaleAfterMs: 120_000, mapping: document },
    );
    return mapCustomersNow(context, ids);
  },
  ensureFields: async (realmId, definitions) => {
    const factory = await clientFactory();
    return factory.ensureDeclaredFields(await factory.forRealm(realmId), definitions);
  },
  queue: bulk,
  budgetShare: config.BUDGET_SHARE,
  now: Date.now,
};

/** A plan or apply of a document's text: one refusal line per problem when it does not validate. */
function parsedDocument(text: string) {
  const parsed = parseMappingJson(text);
  return parsed.ok ? { document: parsed.document } : { refusals: parsed.errors };
}
/** For commands about one customer: the link, else one QBO read. */
const customerLookup = (realmId: string) => ({
  linked: async (customerId: string) => (await links.get(realmId, customerId)) !== undefined,
  inQuickBooks: async (customerId: string) =>
    (await (await (await clientFactory()).quickbooks(realmId)).readCustomers([customerId])).missing.length === 0,
});

/** A signed, single-use connection link (decision 39). */
async function connectUrl(request: Extract<OperationRequest, { command: 'connect-url' }>) {
  const key = await linkSigningKey(process.env);
  if (!key) throw new PermanentError('no OAUTH_START_TOKEN is configured to sign connection links', { system: 'aws' });
  const { token, claims } = mintLinkToken(
    key,
    {
      provider: request.provider,
      ...(request.realmId ? { realmId: request.realmId } : {}),
      replace: request.replace,
    },
    Date.now(),
    request.ttlMinutes * 60_000,
  );
  const url = new URL(`${config.API_URL.replace(/\/$/, '')}/oauth/${request.provider}/start`);
  url.searchParams.set('link', token);
  logger.info('connection link minted', {
    provider: request.provider,
    realmId: request.realmId,
    replace: request.replace,
  });
  return { url: url.toString(), expiresAt: new Date(claims.exp).toISOString(), replace: claims.replace };
}

/** Where one customer stands and its audit trail. */
async function customerAudit(request: Extract<OperationRequest, { command: 'audit' }>) {
  const link = await links.get(request.realmId, request.customerId);
  if (!link) await requireCustomer(request.realmId, request.customerId, customerLookup(request.realmId));
  return {
    // Where the customer stands, not the pushed record itself.
    link: link
      ? {
          state: link.state,
          orgId: link.orgId,
          personId: link.personId,
          lastPushedUpdatedTime: link.lastPushedUpdatedTime,
        }
      : null,
    entries: (await audit.history(request.realmId, request.customerId, { limit: request.limit })).entries,
  };
}

const statusSources: StatusSources = {
  table,
  sqs,
  queues: { ...queues, ...Object.fromEntries(deadLetterQueues.map((q) => [q.name, q.url])) },
  budgetShare: config.BUDGET_SHARE,
  qboMonthlyCallCap: config.QBO_MONTHLY_CALL_CAP,
  now: Date.now,
};

async function run(request: OperationRequest): Promise<unknown> {
  if ('realmId' in request && request.realmId !== undefined && request.command !== 'connect-url')
    await requireConnection(request.realmId, (realmId) => connections.exists(realmId));
  switch (request.command) {
    case 'status':
      return statusSnapshot(
        statusSources,
        request.customer && { realmId: request.customer.realmId, qboId: request.customer.customerId },
      );
    case 'health': {
      const { command: _command, ...query } = request;
      return healthReport({ ...statusSources, qboAppUrl: config.QBO_APP_URL }, query);
    }
    case 'ping': {
      const factory = await clientFactory();
      return ping(request.realmId, {
        quickbooks: (realmId) => factory.quickbooks(realmId),
        pipedrive: (realmId) => factory.pipedrive(realmId),
        spentToday: (companyId) => ledger.spent(companyId, budgetDay(Date.now())),
        budgetShare: config.BUDGET_SHARE,
      });
    }
    case 'connect-url':
      return connectUrl(request);
    case 'connect-api-token':
      return (await pipedriveCommands()).connectApiToken(
        request.realmId,
        request.apiToken,
        request.apiDomain,
        request.confirmShared,
        request.replace,
      );
    case 'disconnect-pipedrive':
      return (await pipedriveCommands()).disconnect(request.realmId);
    case 'replay-customer':
      await requireCustomer(request.realmId, request.customerId, customerLookup(request.realmId));
      return replayCustomer(request.realmId, request.customerId, request.recreate, {
        queue: changes,
        now: Date.now,
        links,
      });
    case 'replay-since':
      return replaySince(request.realmId, request.since, {
        qbo: await (await clientFactory()).quickbooks(request.realmId),
        queue: bulk,
        now: Date.now,
      });
    case 'dead-letters':
      return { messages: await drainDeadLetters(sqs, deadLetterQueues, { move: request.move }) };
    case 'audit':
      return customerAudit(request);
    case 'mapping-plan': {
      const parsed = parsedDocument(request.document);
      if (!parsed.document) return parsed;
      return (await planMappingChange(request.realmId, parsed.document, mappingDeps)).report;
    }
    case 'mapping-apply': {
      const parsed = parsedDocument(request.document);
      if (!parsed.document) return parsed;
      return applyMapping(request.realmId, parsed.document, request.by, mappingDeps);
    }
    case 'mapping-show':
      return showMapping(request.realmId, request.version, mappings);
    case 'mapping-rollback':
      return rollbackMapping(request.realmId, request.to, request.by, mappingDeps);
  }
}

/** Invoked by the operator's CLI (`ml-connector status|ping|connect|disconnect|replay|audit|mapping`), never by the public. */
export async function lambdaHandler(event: unknown): Promise<OperationResponse> {
  const parsed = OperationRequest.safeParse(event);
  if (!parsed.success) return { ok: false, error: { kind: 'bad-request', message: z.prettifyError(parsed.error) } };
  logger.info('operation', { command: parsed.data.command });
  try {
    return { ok: true, result: await run(parsed.data) };
  } catch (error) {
    const kind = error instanceof NeedsReauthError ? 'needs-reauth' : errorKind(error);
    // Our own errors' messages carry no secret; anything else is summarized.
    const message = isConnectorError(error) || error instanceof NeedsReauthError ? error.message : 'internal error';
    logger.error('operation failed', {
      command: parsed.data.command,
      kind,
      error: error instanceof Error ? error.message : 'unknown',
    });
    return { ok: false, error: { kind, message } };
  }
}

// The invocation's deadline bounds the waits inside it (decision 34).
export const handler = middy((event: unknown, context: Context) => withDeadline(context, () => lambdaHandler(event)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
