import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a sandbox route sees of a request. */
export interface SandboxRequest {
  method: string;
  /** Path without the query string, percent-decoded per segment by the router. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  params: Record<string, string>;
}

export type ResponseBody = string | Buffer | object | undefined;

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON unless a content-type header says otherwise. */
  body?: ResponseBody;
  /** Destroy the socket instead of answering (a connection reset). */
  reset?: boolean;
}

export type RouteHandler = (request: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/** A minimal method + path router with `:name` segments. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method: method.toUpperCase(), segments: split(pattern), handler });
    return this;
  }

  match(
    method: string,
    path: string,
  ): { handler: RouteHandler; params: Record<string, string> } | 'method-not-allowed' | undefined {
    const parts = split(path);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method.toUpperCase()) return { handler: route.handler, params };
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((part) => part.length > 0);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i] ?? '';
    const actual = parts[i] ?? '';
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SandboxResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): SandboxResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body };
}

export function redirect(location: string): SandboxResponse {
  return { status: 302, headers: { location } };
}

/** Parses a JSON request body; undefined when it is absent or not JSON. */
export function jsonBody(request: SandboxRequest): unknown {
  if (request.rawBody.length === 0) return undefined;
  try {
    return JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function formBody(request: SandboxRequest): URLSearchParams {
  return new URLSearchParams(request.rawBody.toString('utf8'));
}

export function header(request: SandboxRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Requests with a larger body are answered 413 before the handler runs. */
  maxBodyBytes?: number;
}

/** Serves `handle` on loopback; port 0 picks a free port. */
export async function serve(handle: RouteHandler, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const server: Server = createServer((req, res) => {
    void respond(req, res, handle, maxBodyBytes);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const port = (address satisfies AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

async function respond(req: IncomingMessage, res: ServerResponse, handle: RouteHandler, maxBodyBytes: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBodyBytes) tooLarge = true;
    else chunks.push(buffer);
  }
  if (tooLarge) {
    send(res, json(413, { error: 'payload too large' }));
    return;
  }
  const url = new URL(req.url ?? '/', 'http://sandbox.local');
  const request: SandboxRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    rawBody: Buffer.concat(chunks),
    params: {},
  };
  try {
    send(res, await handle(request));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    send(res, json(500, { error: 'sandbox internal error', message }));
  }
}

function send(res: ServerResponse, response: SandboxResponse): void {
  if (response.reset) {
    res.socket?.destroy();
    return;
  }
  const headers = { ...(response.headers ?? {}) };
  let body: string | Buffer | undefined;
  if (response.body === undefined || typeof response.body === 'string' || Buffer.isBuffer(response.body)) {
    body = response.body;
  } else {
    body = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(response.status, headers);
  res.end(body);
}

/** Dispatches to a router, answering 404/405 for unknown routes. */
export function routerHandler(router: Router, notFound: (request: SandboxRequest) => SandboxResponse): RouteHandler {
  return (request) => {
    const found = router.match(request.method, request.path);
    if (found === undefined) return notFound(request);
    if (found === 'method-not-allowed') return json(405, { error: 'method not allowed' });
    return found.handler({ ...request, params: found.params });
  };
}
