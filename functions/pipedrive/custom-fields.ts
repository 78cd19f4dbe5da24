import { PermanentError } from '../shared/errors';
import { type Log, silentLog } from '../shared/log';
import type { DeclaredField } from '../sync/pipedrive-fields';
import type { FieldCreate, PipedriveField } from './entities';

/** What the connection stores: Pipedrive keys by our field id, enum option ids by field id then label. */
export interface StoredFields {
  fieldKeys: Readonly<Record<string, string>>;
  fieldOptions: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface EnsuredFields {
  fieldKeys: Record<string, string>;
  fieldOptions: Record<string, Record<string, number>>;
  /** Our ids of the fields created by this call. */
  created: string[];
}

export interface OrganizationFieldApi {
  listOrganizationFields(): Promise<PipedriveField[]>;
  createOrganizationField(input: FieldCreate): Promise<PipedriveField>;
}

export interface EnsureOptions {
  /** List the fields even when everything is stored (e.g. after Pipedrive rejected a stored key). */
  verify?: boolean;
  /** Create nothing: a missing field is left out of the answer (the backfill's dry run, decision 35). */
  readOnly?: boolean;
  log?: Log;
}

/** Every key stored, and the option map of every enum (a label Pipedrive lacks does not force a new listing). */
function isComplete(definitions: readonly DeclaredField[], stored: StoredFields): boolean {
  return definitions.every(
    (definition) =>
      stored.fieldKeys[definition.id] !== undefined &&
      (definition.options === undefined || stored.fieldOptions[definition.id] !== undefined),
  );
}

function pick(definitions: readonly DeclaredField[], stored: StoredFields): EnsuredFields {
  const out: EnsuredFields = { fieldKeys: {}, fieldOptions: {}, created: [] };
  for (const definition of definitions) {
    const key = stored.fieldKeys[definition.id];
    if (key !== undefined) out.fieldKeys[definition.id] = key;
    const options = stored.fieldOptions[definition.id];
    if (options !== undefined) out.fieldOptions[definition.id] = { ...options };
  }
  return out;
}

/**
 * Makes sure the organization custom fields exist and returns their keys (and enum option ids) to
 * store. With everything stored it makes no call. Otherwise it lists the fields once and adopts a
 * field it finds by stored key, else by name (an earlier run, or another connection writing into
 * the same company, may have created it), and creates only the missing ones. A field with our name
 * but another type is a conflict a person must resolve, not something to paper over with a twin.
 * Callers run this under the Pipedrive company's lease: two concurrent first runs, of one realm or of
 * two realms writing into the company, could both create a field (decision 36). With `readOnly` it
 * is the same lookup without the creates, so a dry run reads the field the apply will use.
 */
export async function ensureCustomFields(
  api: OrganizationFieldApi,
  definitions: readonly DeclaredField[],
  stored: StoredFields,
  options: EnsureOptions = {},
): Promise<EnsuredFields> {
  if (!options.verify && isComplete(definitions, stored)) return pick(definitions, stored);
  const log = options.log ?? silentLog;
  const existing = (await api.listOrganizationFields()).filter((field) => field.is_custom_field !== false);
  const out: EnsuredFields = { fieldKeys: {}, fieldOptions: {}, created: [] };
  for (const definition of definitions) {
    const storedKey = stored.fieldKeys[definition.id];
    const named = existing.filter((field) => field.field_name.trim() === definition.name);
    const found =
      existing.find((field) => field.field_code === storedKey) ??
      named.find((field) => field.field_type === definition.type) ??
      named[0];
    if (found && found.field_type !== definition.type) {
      throw new PermanentError(
        `the Pipedrive organization field "${definition.name}" is of type ${found.field_type}, not ${definition.type}`,
        { system: 'pipedrive', code: 'field_type_conflict' },
      );
    }
    if (!found && options.readOnly) continue;
    const field =
      found ??
      (await api.createOrganizationField({
        field_name: definition.name,
        field_type: definition.type,
        ...(definition.options ? { options: definition.options.map((label) => ({ label })) } : {}),
      }));
    if (!found) out.created.push(definition.id);
    out.fieldKeys[definition.id] = field.field_code;
    if (definition.options) {
      const ids: Record<string, number> = {};
      for (const label of definition.options) {
        const option = (field.options ?? []).find((candidate) => candidate.label === label);
        if (option) ids[label] = option.id;
        // Adding options to an existing field is a separate v2 endpoint; a missing one is reported, not invented.
        else log.warn('Pipedrive enum field lacks an option', { field: definition.id, option: label });
      }
      out.fieldOptions[definition.id] = ids;
    }
  }
  return out;
}
