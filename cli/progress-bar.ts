/** `[████████░░░░░░░░] 12/40 customers synced (30 %)`: `width` cells, filled in proportion, done clamped to total. */
export function renderProgressBar(done: number, total: number, width: number, label = ''): string {
  const shown = Math.max(0, Math.min(done, total));
  const fraction = total > 0 ? shown / total : 1;
  const filled = Math.floor(fraction * width);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
  return `${bar} ${shown}/${total}${label ? ` ${label}` : ''} (${Math.floor(fraction * 100)} %)`;
}

/** Where progress goes: process.stderr, or anything with the same two members. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressReporter {
  update(done: number): void;
  /** Ends the bar's line (a terminal) or prints the final state if it was not printed yet (a log). */
  finish(): void;
}

/**
 * Shows progress on `stream`: on a terminal one bar redrawn in place (`\r`); otherwise (a log, CI)
 * one line per 10 % step, so the log stays short.
 */
export function progressReporter(stream: ProgressStream, total: number, label = '', width = 30): ProgressReporter {
  let lastShown: string | undefined;
  let lastStep = -1;
  let lastDone = -1;
  const render = (done: number) => renderProgressBar(done, total, width, label);
  return {
    update(done) {
      lastDone = done;
      const text = render(done);
      if (stream.isTTY) {
        if (text !== lastShown) stream.write(`\r${text}`);
        lastShown = text;
        return;
      }
      const step = Math.floor((total > 0 ? Math.min(done, total) / total : 1) * 10);
      if (step > lastStep) {
        stream.write(`${text}\n`);
        lastStep = step;
        lastShown = text;
      }
    },
    finish() {
      if (stream.isTTY) {
        if (lastShown !== undefined) stream.write('\n');
        return;
      }
      if (lastDone >= 0 && render(lastDone) !== lastShown) stream.write(`${render(lastDone)}\n`);
    },
  };
}
