import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeHtml } from '../../functions/shared/html';
import { renderHealthPage } from '../../functions/operations/health-page';
import { HealthReport, healthQueryFrom } from '../../functions/operations/health-report';
import { operation } from '../operations';
import type { Io } from '../output';
import { CliError, type Target } from '../targets';

export interface HealthOptions {
  /** The loopback port to listen on (0, the default: a free one). */
  port?: number;
  /** Opens the page in this machine's browser once it is served. */
  openUrl?: (url: string) => Promise<void>;
  /** Stops serving (tests; the real CLI stops on Ctrl-C). */
  signal?: AbortSignal;
  /** Told the page's address once it is served (tests). */
  onListening?: (url: string) => void;
}

const HOST = '127.0.0.1';

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    // Nothing on the page comes from elsewhere: no script, no external style, no frame.
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  response.end(body);
}

/**
 * Serves the sync-health page of `target` on 127.0.0.1 until stopped. Each request is one invoke of
 * the operations function with the operator's own AWS credentials (only `lambda:InvokeFunction` on
 * it): the page is never public, and no data is kept here between requests.
 */
export async function healthCommand(target: Target, io: Io, options: HealthOptions = {}): Promise<number> {
  let port = 0;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // Another site's page in the operator's browser cannot read it through a name that resolves to
    // 127.0.0.1 (DNS rebinding): only the address printed is served.
    const host = request.headers.host ?? '';
    if (host !== `${HOST}:${String(port)}` && host !== `localhost:${String(port)}`) {
      send(response, 421, 'text/plain; charset=utf-8', 'wrong host');
      return;
    }
    const url = new URL(request.url ?? '/', `http://${HOST}`);
    if (request.method !== 'GET' || (url.pathname !== '/health' && url.pathname !== '/')) {
      send(response, 404, 'text/plain; charset=utf-8', 'not found: the page is at /health');
      return;
    }
    try {
      const report = await operation(target, { command: 'health', ...healthQueryFrom(url.searchParams) }, HealthReport);
      send(response, 200, 'text/html; charset=utf-8', renderHealthPage(report, { path: '/health' }));
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      io.err(`ml-connector: ${error.message}`);
      send(
        response,
        502,
        'text/html; charset=utf-8',
        `<!doctype html><html lang="en"><meta charset="utf-8"><title>ml-connector · sync health</title><h1>ml-connector · sync health</h1><p role="alert">${escapeHtml(error.message)}</p><p><a href="/health">Try again</a></p></html>`,
      );
    }
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      io.err(`ml-connector: the page failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'the page failed');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(new CliError(`could not listen on ${HOST}:${String(options.port ?? 0)}: ${error.message}`));
    });
    server.listen(options.port ?? 0, HOST, resolve);
  });
  // listen() on a host and port always answers with an address.
  const address: AddressInfo | string | null = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://${HOST}:${String(port)}/health`;
  io.out(`Sync health of ${target.description}: ${url}`);
  io.err('Served on this machine only; Ctrl-C to stop.');
  options.onListening?.(url);
  if (options.openUrl)
    await options.openUrl(url).catch(() => {
      io.err(`Open ${url} in a browser.`);
    });
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      options.signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (options.signal?.aborted) {
      stop();
      return;
    }
    options.signal?.addEventListener('abort', stop);
    // Tests stop it through the signal; a person with Ctrl-C.
    if (!options.signal) {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
  });
  server.closeAllConnections();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return 0;
}
