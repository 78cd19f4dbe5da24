/** Everything written to stdout and stderr while a capture runs. */
export interface LogCapture {
  text(): string;
  stop(): void;
}

type Write = typeof process.stdout.write;

/**
 * Captures what the handlers write (Powertools logs go to process.stdout/stderr) so the run can scan
 * it for secrets and read the retry reasons; nothing captured reaches the terminal.
 */
export function captureOutput(): LogCapture {
  const chunks: string[] = [];
  const originals = new Map<NodeJS.WriteStream, Write>();
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    originals.set(stream, original);
    const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      const callback = rest.find((arg) => typeof arg === 'function');
      if (typeof callback === 'function') Reflect.apply(callback, undefined, []);
      return true;
    };
    Reflect.set(stream, 'write', capture);
  }
  return {
    text: () => chunks.join(''),
    stop: () => {
      for (const [stream, original] of originals) Reflect.set(stream, 'write', original);
    },
  };
}
