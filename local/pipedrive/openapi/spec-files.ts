import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';

/** Which Pipedrive OpenAPI document: v2 (`/api/v2`) or v1 (`/v1`, plus the OAuth server). */
export type ApiVersion = 'v1' | 'v2';

const SPEC_FILE: Readonly<Record<ApiVersion, string>> = { v1: 'openapi-v1.yaml', v2: 'openapi-v2.yaml' };

/**
 * The folder holding Pipedrive's official specs: `PIPEDRIVE_OPENAPI_DIR`, else the copy kept in
 * `local/pipedrive/reference/` (byte-identical to the research copy, so a clean clone is self-contained).
 */
export function specDirectory(): string {
  return process.env.PIPEDRIVE_OPENAPI_DIR ?? resolve(__dirname, '../reference');
}

export function specPath(version: ApiVersion): string {
  return resolve(specDirectory(), SPEC_FILE[version]);
}

/** The parsed YAML document (a plain JSON-like value). */
export function loadSpec(version: ApiVersion): unknown {
  return load(readFileSync(specPath(version), 'utf8'));
}
