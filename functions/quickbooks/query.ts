/** Quotes a value for a QBO query: single quotes, with `\'` and `\\` escaped (FACTS §5). */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function inList(values: readonly string[]): string {
  return `(${values.map(quote).join(',')})`;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
