/**
 * Parses the times QBO and its webhooks write, including offsets without a colon (`-0700`, legacy
 * webhooks) and nine fractional digits (CloudEvents). NaN when unparseable.
 */
export function parseQboTime(value: string): number {
  const normalised = value
    .trim()
    .replace(/(\.\d{3})\d+/, '$1')
    .replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  return Date.parse(normalised);
}
