import * as z from 'zod';

/**
 * v2 cursors are opaque; Pipedrive's look like base64url JSON
 * (`{"field":"id","fieldValue":7,"sortDirection":"asc","id":7}`), so these do too.
 */
const KeysetCursor = z.strictObject({
  field: z.string(),
  fieldValue: z.number(),
  sortDirection: z.enum(['asc', 'desc']),
  id: z.number().int(),
});
type KeysetCursor = z.infer<typeof KeysetCursor>;
const OffsetCursor = z.strictObject({ offset: z.number().int().min(0) });

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decode<T>(cursor: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface Page<T> {
  items: T[];
  /** null on the last page ([PAG]). */
  nextCursor: string | null;
}

export interface KeysetSort<T> {
  field: string;
  direction: 'asc' | 'desc';
  value: (item: T) => number;
}

export type PageResult<T> = { ok: true; page: Page<T> } | { ok: false; problem: string };

/** Keyset pagination over (sort value, id), stable while records change between pages. */
export function keysetPage<T extends { id: number }>(
  items: readonly T[],
  sort: KeysetSort<T>,
  limit: number,
  cursor: string | undefined,
): PageResult<T> {
  const sign = sort.direction === 'asc' ? 1 : -1;
  const compare = (a: number, aId: number, b: number, bId: number) => sign * (a - b || aId - bId);
  let after: KeysetCursor | undefined;
  if (cursor !== undefined) {
    after = decode(cursor, KeysetCursor);
    if (!after || after.field !== sort.field || after.sortDirection !== sort.direction) {
      return { ok: false, problem: 'cursor: invalid cursor for this query' };
    }
  }
  const position = after;
  const ordered = [...items]
    .sort((a, b) => compare(sort.value(a), a.id, sort.value(b), b.id))
    .filter((item) => !position || compare(sort.value(item), item.id, position.fieldValue, position.id) > 0);
  const pageItems = ordered.slice(0, limit);
  const last = pageItems[pageItems.length - 1];
  const nextCursor =
    ordered.length > limit && last
      ? encode({ field: sort.field, fieldValue: sort.value(last), sortDirection: sort.direction, id: last.id })
      : null;
  return { ok: true, page: { items: pageItems, nextCursor } };
}

/** Offset pagination for lists without a stable key (search results, fields). */
export function offsetPage<T>(items: readonly T[], limit: number, cursor: string | undefined): PageResult<T> {
  let offset = 0;
  if (cursor !== undefined) {
    const decoded = decode(cursor, OffsetCursor);
    if (!decoded) return { ok: false, problem: 'cursor: invalid cursor' };
    offset = decoded.offset;
  }
  const end = offset + limit;
  return {
    ok: true,
    page: { items: items.slice(offset, end), nextCursor: end < items.length ? encode({ offset: end }) : null },
  };
}
