import * as z from 'zod';

/** Entities are kept as the JSON QBO would send, so recorded payloads can be stored verbatim. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ]),
);
export const JsonObjectSchema = z.record(z.string(), JsonValueSchema);

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(record: JsonObject, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

export function numberField(record: JsonObject, key: string): number | undefined {
  const value = record[key];
  return typeof value === 'number' ? value : undefined;
}

export function objectField(record: JsonObject, key: string): JsonObject | undefined {
  const value = record[key];
  return isJsonObject(value) ? value : undefined;
}

/** `{"value": "…"}` reference fields (CustomerRef, ParentRef, SalesTermRef). */
export function refValue(record: JsonObject, key: string): string | undefined {
  const ref = objectField(record, key);
  return ref ? stringField(ref, 'value') : undefined;
}

/** Reads a dotted path such as `MetaData.LastUpdatedTime`. */
export function pathValue(record: JsonObject, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = record;
  for (const part of path.split('.')) {
    if (!isJsonObject(current)) return undefined;
    const key: string | undefined = Object.keys(current).find((k) => k.toLowerCase() === part.toLowerCase());
    current = key === undefined ? undefined : current[key];
  }
  return current;
}

export function clone<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}
