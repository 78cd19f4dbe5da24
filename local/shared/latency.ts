import { setTimeout as delay } from 'node:timers/promises';
import * as z from 'zod';
import type { RouteHandler } from './http';
import { SeededRandom } from './random';

/** Real milliseconds a sandbox waits before answering each API request: uniform in [minMs, maxMs]. */
export const LatencyProfile = z
  .strictObject({ minMs: z.number().int().min(0).max(60_000), maxMs: z.number().int().min(0).max(60_000) })
  .refine((profile) => profile.minMs <= profile.maxMs, { message: 'minMs must not exceed maxMs' });
export type LatencyProfile = z.infer<typeof LatencyProfile>;

/** `PUT /_sandbox/latency` body: a profile, or `{ "enabled": false }`. */
export const LatencyInput = z.union([LatencyProfile, z.strictObject({ enabled: z.literal(false) })]);

/**
 * Realistic defaults for the local stack and the chaos run. Unverified figures for the vendors'
 * servers, chosen so that a sequential client makes at most ~8 QBO calls a second (under the
 * 10/s throttle, FACTS §6.1) instead of hundreds against a 0 ms server.
 */
export const REALISTIC_LATENCY = {
  quickbooks: { minMs: 120, maxMs: 320 },
  pipedrive: { minMs: 60, maxMs: 180 },
} as const satisfies Record<string, LatencyProfile>;

/** A sandbox's configurable per-request latency; off (`false`) unless set. */
export class Latency {
  private readonly random: SeededRandom;

  constructor(
    public profile: LatencyProfile | false = false,
    seed = 7,
  ) {
    this.random = new SeededRandom(seed);
  }

  configure(input: unknown): void {
    const parsed = LatencyInput.parse(input);
    this.profile = 'enabled' in parsed ? false : parsed;
  }

  describe(): LatencyProfile | { enabled: false } {
    return this.profile === false ? { enabled: false } : this.profile;
  }

  /** The wait for the next request, in real milliseconds. */
  nextDelayMs(): number {
    if (this.profile === false) return 0;
    return this.random.int(this.profile.minMs, this.profile.maxMs);
  }
}

/** Waits the latency (real time: it models the network and the vendor's server) before handling. */
export function withLatency(handler: RouteHandler, latency: Latency): RouteHandler {
  return async (request) => {
    const wait = latency.nextDelayMs();
    if (wait > 0) await delay(wait);
    return handler(request);
  };
}
