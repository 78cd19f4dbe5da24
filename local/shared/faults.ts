import { setTimeout as delay } from 'node:timers/promises';
import * as z from 'zod';
import type { RouteHandler, SandboxRequest, SandboxResponse } from './http';
import { SeededRandom } from './random';

/** A fault a test asks a sandbox to inject into the requests that match it. */
export const FaultSpec = z.object({
  /** HTTP method to match; any when absent. */
  method: z.string().toUpperCase().optional(),
  /** A regular expression matched against the request path. */
  path: z.string().default('.*'),
  /** Only requests whose path or query names this label (realm id, company id) when set. */
  label: z.string().optional(),
  /** Answer with this status instead of running the route. */
  status: z.number().int().min(100).max(599).optional(),
  /** Body of the injected answer: a string is sent as is, anything else as JSON. */
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Real milliseconds to wait before answering (to exercise client timeouts). */
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  /** Close the connection without an answer. */
  reset: z.boolean().optional(),
  /** Run the route (its change is made) and then close the connection: the caller never learns it happened. */
  loseResponse: z.boolean().optional(),
  /** Apply to this many matching requests, then retire. Unlimited when absent. */
  count: z.number().int().positive().optional(),
  /** Apply to each matching request with this probability. */
  probability: z.number().min(0).max(1).optional(),
});
export type FaultSpec = z.infer<typeof FaultSpec>;

interface ActiveFault {
  id: string;
  spec: FaultSpec;
  pattern: RegExp;
  remaining: number;
  applied: number;
}

export class FaultInjector {
  private readonly faults: ActiveFault[] = [];
  private nextId = 1;
  private random: SeededRandom;

  constructor(seed = 1) {
    this.random = new SeededRandom(seed);
  }

  add(input: unknown): string {
    const spec = FaultSpec.parse(input);
    const id = `fault-${this.nextId++}`;
    this.faults.push({ id, spec, pattern: new RegExp(spec.path), remaining: spec.count ?? Infinity, applied: 0 });
    return id;
  }

  remove(id: string): boolean {
    const index = this.faults.findIndex((fault) => fault.id === id);
    if (index < 0) return false;
    this.faults.splice(index, 1);
    return true;
  }

  clear(seed?: number): void {
    this.faults.length = 0;
    if (seed !== undefined) this.random = new SeededRandom(seed);
  }

  list(): { id: string; spec: FaultSpec; applied: number; remaining: number | null }[] {
    return this.faults.map((fault) => ({
      id: fault.id,
      spec: fault.spec,
      applied: fault.applied,
      remaining: Number.isFinite(fault.remaining) ? fault.remaining : null,
    }));
  }

  /** The fault to apply to this request, if any; consumes one use of it. */
  take(request: SandboxRequest): FaultSpec | undefined {
    for (const fault of this.faults) {
      if (fault.remaining <= 0) continue;
      if (fault.spec.method !== undefined && fault.spec.method !== request.method.toUpperCase()) continue;
      if (!fault.pattern.test(request.path)) continue;
      if (fault.spec.label !== undefined && !mentions(request, fault.spec.label)) continue;
      if (fault.spec.probability !== undefined && !this.random.chance(fault.spec.probability)) continue;
      fault.remaining -= 1;
      fault.applied += 1;
      return fault.spec;
    }
    return undefined;
  }
}

function mentions(request: SandboxRequest, label: string): boolean {
  return request.path.includes(label) || [...request.query.values()].includes(label);
}

/** Wraps a handler so matching requests get the injected fault instead of (or after a delay, before) the route. */
export function withFaults(
  handler: RouteHandler,
  injector: FaultInjector,
  onFault?: (request: SandboxRequest) => void,
): RouteHandler {
  return async (request): Promise<SandboxResponse> => {
    const fault = injector.take(request);
    if (!fault) return handler(request);
    onFault?.(request);
    if (fault.latencyMs) await delay(fault.latencyMs);
    if (fault.loseResponse) {
      await handler(request);
      return { status: 0, reset: true };
    }
    if (fault.reset) return { status: 0, reset: true };
    if (fault.status === undefined) return handler(request);
    const body = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? {});
    const contentType = typeof fault.body === 'string' ? 'text/plain' : 'application/json';
    return { status: fault.status, headers: { 'content-type': contentType, ...(fault.headers ?? {}) }, body };
  };
}
