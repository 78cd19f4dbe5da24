import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SqsTimeProxy {
  url: string;
  close(): Promise<void>;
}

const VISIBILITY_TARGETS = new Set(['AmazonSQS.ChangeMessageVisibility', 'AmazonSQS.ChangeMessageVisibilityBatch']);

/** A visibility timeout in compressed time: at least one second, as SQS counts in whole seconds. */
export function compressedSeconds(seconds: number, scale: number): number {
  return seconds === 0 ? 0 : Math.max(1, Math.round(seconds * scale));
}

/** The JSON body of a ChangeMessageVisibility(Batch) request with its timeouts compressed. */
export function compressVisibility(body: string, scale: number): string {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null) return body;
  const entries: unknown = Reflect.get(parsed, 'Entries');
  const items: unknown[] = Array.isArray(entries) ? entries : [];
  for (const item of [...items, parsed]) {
    if (typeof item !== 'object' || item === null) continue;
    const seconds: unknown = Reflect.get(item, 'VisibilityTimeout');
    if (typeof seconds === 'number') Reflect.set(item, 'VisibilityTimeout', compressedSeconds(seconds, scale));
  }
  return JSON.stringify(parsed);
}

/**
 * Sits between the handlers and the SQS emulator and compresses the retry delays the worker sets
 * (ChangeMessageVisibility), so a chaos run sees a day's backoff in seconds while the worker still
 * computes its real delays. Everything else passes through unchanged.
 */
export async function startSqsTimeProxy(target: string, scale: number): Promise<SqsTimeProxy> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks).toString('utf8');
      const amzTarget = req.headers['x-amz-target'];
      if (typeof amzTarget === 'string' && VISIBILITY_TARGETS.has(amzTarget)) body = compressVisibility(body, scale);
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(Buffer.byteLength(body)) };
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => {
        res.socket?.destroy();
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the SQS proxy has no TCP address');
  return {
    url: `http://127.0.0.1:${(address satisfies AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
