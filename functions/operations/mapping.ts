import type { PipedriveClient } from '../pipedrive/client';
import { OPERATIONS } from '../pipedrive/operations';
import { connectorShare, dailyTokenBudget } from '../pipedrive/plans';
import { isConnectorError, PermanentError } from '../shared/errors';
import type { Connection } from '../store/connections';
import type { CurrentMapping, MappingStore, MappingVersion } from '../store/mapping-store';
import type { SyncedLink } from '../store/synced-links';
import { DEFAULT_MAPPING } from '../sync/default-mapping';
import type { MappingDocument } from '../sync/mapping-document';
import type { MappedCustomer } from '../sync/mapping-engine';
import { type MappedPair, type MappingCallCosts, mappingPlanCsv, planPairs } from '../sync/mapping-plan';
import { type CompanyFacts, mappingRefusals } from '../sync/mapping-refusals';
import { type DeclaredField, declaredOrganizationFields } from '../sync/pipedrive-fields';
import { type MessageQueue, queued, syncMessage } from '../sync/sync-message';

/** What the mapping commands use of a connection's clients (connection-clients.ts builds them). */
export interface MappingClients {
  connection: Connection;
  pipedrive: Pick<PipedriveClient, 'listOrganizationFields' | 'listUsers' | 'tokensSpent'>;
}

/** What the mapping commands need; the operations handler wires the real ones. */
export interface MappingDeps {
  mappings: MappingStore;
  syncedLinks: (realmId: string) => Promise<SyncedLink[]>;
  clients: (realmId: string) => Promise<MappingClients>;
  /** How the customers `ids` map now by `document` (map-now.ts): reads QBO, writes nothing. */
  mapNow: (realmId: string, document: MappingDocument, ids: readonly string[]) => Promise<Map<string, MappedCustomer>>;
  /** Makes sure the document's organization fields exist (under the company's fields lease), stores their keys, returns the tokens spent. */
  ensureFields: (realmId: string, definitions: readonly DeclaredField[]) => Promise<number>;
  /** The bulk queue: an apply's resync waits behind nothing realtime (decision 61). */
  queue: MessageQueue;
  budgetShare: number;
  now: () => number;
}

/** The calls a mapping change makes, priced by the specs' x-token-cost (the sync writes v2). */
const CALL_COSTS: MappingCallCosts = {
  updateOrganization: OPERATIONS.updateOrganization.cost,
  updatePerson: OPERATIONS.updatePerson.cost,
  createPerson: OPERATIONS.createPerson.cost,
  createOrganizationField: OPERATIONS.createOrganizationField.cost,
  // Refused at plan time (mapping-refusals.ts): never spent.
  createPersonField: 0,
  listOrganizationFields: OPERATIONS.listOrganizationFields.cost,
};

/** QBO reads per mapNow call: the worker's batch reads customers in queries of 100 ids (decision 10). */
const READ_CHUNK = 100;

export interface MappingPlanReport {
  realmId: string;
  /** The version in use (0: none stored, the default document). */
  currentVersion: number;
  refusals: string[];
  organizationsChanged: number;
  personsChanged: number;
  personsCreated: number;
  fieldChanges: Record<string, number>;
  fieldsToCreate: string[];
  /** What the apply will spend in Pipedrive. */
  tokens: number;
  budget: { dailyShare: number; days: number };
  /** Spent by the plan itself (listing fields and users). */
  planTokens: number;
  changed: string[];
  csv: string;
}

async function companyFacts(clients: MappingClients, document: MappingDocument): Promise<CompanyFacts> {
  const fields = await clients.pipedrive.listOrganizationFields();
  const owners = [document.organization.onCreate.owner_id, document.person?.onCreate.owner_id];
  let activeUserIds = new Set<number>();
  if (owners.some((owner) => owner !== undefined)) {
    const users = await clients.pipedrive.listUsers().catch((error: unknown) => {
      // An OAuth app without `users:read` is refused the list (403): the owner stays unchecked, so it is refused.
      if (!isConnectorError(error) || error.status !== 403) throw error;
      throw new PermanentError(
        `cannot check onCreate.owner_id: Pipedrive would not list the users (${error.message})`,
        {
          system: 'pipedrive',
          code: 'users_unreadable',
        },
      );
    });
    activeUserIds = new Set(users.filter((user) => user.active_flag).map((user) => user.id));
  }
  return {
    owned: clients.connection.fieldKeys,
    organizationFields: fields
      .filter((field) => field.is_custom_field !== false)
      .map((field) => ({ key: field.field_code, name: field.field_name, type: field.field_type })),
    activeUserIds,
  };
}

/**
 * What moving the connection from its current document to `document` writes in Pipedrive and costs
 * (decision 61): each synced link's pushed payload against how the new document maps the customer
 * now, as the worker will compare them. A document that may not be applied gets its refusals only.
 */
export async function planMappingChange(
  realmId: string,
  document: MappingDocument,
  deps: MappingDeps,
): Promise<{ report: MappingPlanReport; current: CurrentMapping | undefined }> {
  const current = await deps.mappings.current(realmId);
  const clients = await deps.clients(realmId);
  const spentBefore = clients.pipedrive.tokensSpent;
  const refusals = mappingRefusals(document, await companyFacts(clients, document));
  const pairs: MappedPair[] = [];
  if (refusals.length === 0) {
    const links = await deps.syncedLinks(realmId);
    for (let start = 0; start < links.length; start += READ_CHUNK) {
      const chunk = links.slice(start, start + READ_CHUNK);
      const mapped = await deps.mapNow(
        realmId,
        document,
        chunk.map((link) => link.qboId),
      );
      for (const link of chunk) {
        const after = mapped.get(link.qboId);
        if (!after) continue;
        pairs.push({
          before: link.pushed ?? { organization: {}, person: null },
          after,
          hasPerson: link.personId !== undefined,
          qboId: link.qboId,
          orgId: link.orgId,
        });
      }
    }
  }
  // Fields are created only when the connection has no key for them (a rollback's are there already).
  const toCreate = declaredOrganizationFields(document)
    .filter((field) => clients.connection.fieldKeys[field.id] === undefined)
    .map((field) => `organization.${field.id}`);
  const plan = planPairs(current?.document ?? DEFAULT_MAPPING, document, pairs, CALL_COSTS, toCreate);
  const pipedrive = clients.connection.pipedrive;
  const dailyShare = pipedrive
    ? connectorShare(dailyTokenBudget(pipedrive.plan, pipedrive.seats), deps.budgetShare)
    : 0;
  const { rows, ...counts } = plan;
  return {
    current,
    report: {
      realmId,
      currentVersion: current?.version ?? 0,
      refusals,
      ...counts,
      budget: { dailyShare, days: dailyShare > 0 ? Math.round((plan.tokens / dailyShare) * 100) / 100 : 0 },
      planTokens: clients.pipedrive.tokensSpent - spentBefore,
      changed: rows.map((row) => row.qboId),
      csv: mappingPlanCsv(rows),
    },
  };
}

/** The messages that bring the changed customers to the new document: ordinary customer work, written when the fingerprint differs. */
async function enqueueChanged(realmId: string, version: number, ids: readonly string[], deps: MappingDeps) {
  const now = deps.now();
  const messages = ids.map((id) =>
    queued(
      syncMessage({
        realmId,
        kind: 'customer',
        id,
        source: 'reconcile',
        eventId: `mapping:v${version}:${id}`,
        enqueuedAt: now,
      }),
    ),
  );
  for (let start = 0; start < messages.length; start += 100) await deps.queue.send(messages.slice(start, start + 100));
}

export interface MappingApplied {
  plan: MappingPlanReport;
  version?: number;
  enqueued: number;
  /** Spent by the apply itself: its plan's reads and the fields it created (the plan's `tokens` include the latter). */
  applyTokens: number;
}

/**
 * Plans, then (when nothing is refused) creates the declared fields, stores the document and
 * enqueues the changed customers. The first apply stores the default document as version 1, so a
 * rollback has it to go back to.
 */
export async function applyMapping(
  realmId: string,
  document: MappingDocument,
  by: string,
  deps: MappingDeps,
): Promise<MappingApplied> {
  const { report, current } = await planMappingChange(realmId, document, deps);
  return storeAndResync(realmId, document, report, deps, async () => {
    let latest = current?.latest ?? 0;
    if (latest === 0) latest = (await deps.mappings.put(realmId, DEFAULT_MAPPING, by, deps.now(), 0)).version;
    return deps.mappings.put(realmId, document, by, deps.now(), latest);
  });
}

/**
 * The tail an apply and a rollback share: a refused plan changes nothing; otherwise the document's
 * fields are made to exist, `store` makes it current, and the customers it changes are queued.
 */
async function storeAndResync(
  realmId: string,
  document: MappingDocument,
  report: MappingPlanReport,
  deps: MappingDeps,
  store: () => Promise<{ version: number }>,
): Promise<MappingApplied> {
  if (report.refusals.length > 0) return { plan: report, enqueued: 0, applyTokens: report.planTokens };
  const fieldTokens = await deps.ensureFields(realmId, declaredOrganizationFields(document));
  const stored = await store();
  await enqueueChanged(realmId, stored.version, report.changed, deps);
  return {
    plan: report,
    version: stored.version,
    enqueued: report.changed.length,
    applyTokens: report.planTokens + fieldTokens,
  };
}

/** Makes an older version current again (default: the one before the current), resyncing what it changes back. */
export async function rollbackMapping(
  realmId: string,
  to: number | undefined,
  by: string,
  deps: MappingDeps,
): Promise<MappingApplied> {
  const current = await deps.mappings.current(realmId);
  if (!current)
    throw new PermanentError(`no mapping was ever applied to ${realmId}: it runs the default`, { system: 'aws' });
  const target = to ?? current.version - 1;
  if (target === current.version)
    throw new PermanentError(`version ${target} is the current mapping already`, { system: 'aws' });
  const version = target >= 1 ? await deps.mappings.version(realmId, target) : undefined;
  if (!version)
    throw new PermanentError(`there is no mapping version ${target} (1–${current.latest})`, { system: 'aws' });
  const { report } = await planMappingChange(realmId, version.document, deps);
  return storeAndResync(realmId, version.document, report, deps, () =>
    deps.mappings.rollback(realmId, version, by, deps.now(), current),
  );
}

function versionSummary(version: MappingVersion, current: number) {
  return {
    version: version.version,
    createdBy: version.createdBy,
    createdAt: version.createdAt,
    current: version.version === current,
  };
}

/** Every version and one document: the requested version's, else the current one (the default when none is stored). */
export async function showMapping(realmId: string, requested: number | undefined, mappings: MappingStore) {
  const current = await mappings.current(realmId);
  const versions = await mappings.list(realmId);
  const currentVersion = current?.version ?? 0;
  let document: MappingDocument = current?.document ?? DEFAULT_MAPPING;
  if (requested !== undefined) {
    const found = versions.find((version) => version.version === requested);
    if (!found) throw new PermanentError(`there is no mapping version ${requested}`, { system: 'aws' });
    document = found.document;
  }
  return {
    currentVersion,
    shown: requested ?? currentVersion,
    versions: versions.map((version) => versionSummary(version, currentVersion)),
    document,
  };
}
