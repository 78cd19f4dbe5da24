import type { Company } from './company';
import { type JsonObject } from './json';
import { canonicalEntity, QueryValidationError } from './query-engine';
import { DAY_MS, parseQboTime } from './time';

export interface CdcOptions {
  /** Changes older than this are refused (FACTS §3: 30 days). 0 disables the check, as the 2020 sandbox recording did not enforce it. */
  maxLookbackDays: number;
  /** At most this many objects per entity per response (FACTS §3: 1,000). */
  maxObjectsPerEntity: number;
}

export class CdcRequestError extends Error {}

/**
 * `GET /cdc?entities=…&changedSince=…`: full records of every entity changed at or after
 * `changedSince` (inclusive: whether QBO is inclusive is unverified, and inclusive is the safe
 * side for a client that overlaps windows), deleted ones as `status: "Deleted"`, oldest first.
 */
export function changeDataCapture(
  company: Company,
  entitiesParam: string | null,
  changedSinceParam: string | null,
  options: CdcOptions,
) {
  if (!entitiesParam) throw new CdcRequestError('entities is required');
  if (!changedSinceParam) throw new CdcRequestError('changedSince is required');
  const since = parseQboTime(changedSinceParam);
  if (Number.isNaN(since)) throw new CdcRequestError(`changedSince ${changedSinceParam} is not a valid date`);
  if (options.maxLookbackDays > 0 && company.now() - since > options.maxLookbackDays * DAY_MS) {
    throw new CdcRequestError(
      `changedSince ${changedSinceParam} is more than ${options.maxLookbackDays} days in the past`,
    );
  }
  const queryResponses: JsonObject[] = [];
  for (const name of entitiesParam
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    let entity: string;
    try {
      entity = canonicalEntity(company, name);
    } catch (error) {
      if (error instanceof QueryValidationError) throw new CdcRequestError(`entity ${name} is not supported by CDC`);
      throw error;
    }
    const changed = company
      .all(entity)
      .filter((stored) => stored.updatedAt >= since)
      .sort((a, b) => a.updatedAt - b.updatedAt)
      .slice(0, options.maxObjectsPerEntity)
      .map((stored) => stored.record);
    // An entity with no changes is an empty object (python-quickbooks fixture; unverified), so clients must not expect the key.
    queryResponses.push(
      changed.length === 0 ? {} : { [entity]: changed, startPosition: 1, maxResults: changed.length },
    );
  }
  return { CDCResponse: [{ QueryResponse: queryResponses }], time: company.responseTime() };
}
