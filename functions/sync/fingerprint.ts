import * as z from '../shared/zod-mini';
import { canonicalJson, sha256Hex } from './canonical-json';
import { MAPPING_VERSION } from './mapping';
import type { MappedCustomer } from './mapping-engine';

/** Equal mapped payloads give equal fingerprints, whatever their key order: an equal one means nothing to write. */
export function fingerprint(mapped: MappedCustomer): string {
  return sha256Hex(canonicalJson({ v: MAPPING_VERSION, mapped }));
}

/** A payload as stored after a push: read back leniently (what was written may predate a mapping change). */
export const PushedPayloadSchema = z.object({ organization: z.record(z.string(), z.unknown()), person: z.unknown() });
export interface PushedPayload {
  organization: object;
  person: unknown;
}

/** Field → [before, after] for the fields that differ (null when absent), for the audit trail. */
export function diffMapped(
  before: PushedPayload | undefined,
  after: PushedPayload,
): Record<string, [unknown, unknown]> {
  const flat = (mapped: PushedPayload | undefined): Record<string, string> => {
    if (!mapped) return {};
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(mapped.organization)) out[key] = canonicalJson(value);
    out.person = canonicalJson(mapped.person);
    return out;
  };
  const left = flat(before);
  const right = flat(after);
  const diff: Record<string, [unknown, unknown]> = {};
  for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
    if (left[key] === right[key]) continue;
    diff[key] = [parse(left[key]), parse(right[key])];
  }
  return diff;
}

function parse(text: string | undefined): unknown {
  return text === undefined ? null : JSON.parse(text);
}
