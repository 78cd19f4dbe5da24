/** Where a command writes: stdout for results, stderr for progress and errors (so `--json` pipes cleanly). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: progress may redraw one line. */
  interactive: boolean;
  writeFile(path: string, content: string): Promise<void>;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** A plain-text table: columns as wide as their widest cell, numbers right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  const cells = rows.map((row) => headers.map((_, i) => (row[i] === undefined ? '' : String(row[i]))));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || row[i] === undefined),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function time(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').slice(0, 19);
}
