/**
 * QBO writes times in the company's local offset: `MetaData` to the second
 * (`2015-10-01T16:54:59-07:00`) and response `time` to the millisecond (`…:53.438-07:00`).
 */
function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function offsetSuffix(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export function formatLocal(epochMs: number, offsetMinutes: number, withMillis: boolean): string {
  const local = new Date(epochMs + offsetMinutes * 60_000);
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const millis = withMillis ? `.${pad(local.getUTCMilliseconds(), 3)}` : '';
  return `${date}T${time}${millis}${offsetSuffix(offsetMinutes)}`;
}

/** `YYYY-MM-DD` in the company's local calendar (TxnDate, DueDate). */
export function formatLocalDate(epochMs: number, offsetMinutes: number): string {
  return formatLocal(epochMs, offsetMinutes, false).slice(0, 10);
}

/**
 * Parses the time formats QBO and its callers use, including offsets without a colon
 * (`-0700`, as in legacy webhooks). NaN when unparseable.
 */
export function parseQboTime(value: string): number {
  const normalised = value.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  return Date.parse(normalised);
}

export const DAY_MS = 86_400_000;
