import type { SandboxClock } from '../shared/clock';
import type { Counters } from '../shared/counters';
import type { FaultInjector } from '../shared/faults';
import type { SandboxRequest, SandboxResponse } from '../shared/http';
import type { Latency } from '../shared/latency';
import type { SeededRandom } from '../shared/random';
import type { DailyBudget } from './budget';
import type { BurstLimiter } from './burst';
import type { SandboxConfig } from './config';
import type { OperationRef } from './costs';
import type { Escalation } from './escalation';
import type { AuthKind } from './plans';
import type { PipedriveStore } from './store';
import type { WebhookDeliveries } from './webhooks';

/** Everything a route can reach: the company's data, its limits and the sandbox clock. */
export interface SandboxCore {
  readonly config: SandboxConfig;
  readonly store: PipedriveStore;
  readonly clock: SandboxClock;
  readonly budget: DailyBudget;
  readonly burst: BurstLimiter;
  readonly escalation: Escalation;
  readonly counters: Counters;
  readonly faults: FaultInjector;
  readonly random: SeededRandom;
  /** Real per-request latency of the API and OAuth endpoints (off unless configured). */
  readonly latency: Latency;
  /** The company's webhooks, delivered when organizations change (decision 63). */
  readonly webhooks: WebhookDeliveries;
  /** `http://host:port`, the sandbox's own origin (what OAuth returns as `api_domain`). */
  baseUrl: string;
  /** `http://host:port` of the API-token host listener (what `api.pipedrive.com` is in production). */
  apiTokenBaseUrl: string;
}

/** Who is calling: a user's API token or an OAuth grant. */
export interface Principal {
  kind: AuthKind;
  userId: number;
  /** Identity the burst window is kept per ("per token", [RL]); an OAuth grant keeps it across refreshes. */
  key: string;
  /** Granted OAuth scopes; undefined for API tokens, which may do anything their user can. */
  scopes: readonly string[] | undefined;
}

export interface ApiContext {
  core: SandboxCore;
  request: SandboxRequest;
  principal: Principal;
  now: number;
}

/** One API operation the sandbox serves, named as in the spec it comes from. */
export interface ApiRoute extends OperationRef {
  /** Counted against the Search API burst limit as well (10 per 2 s on every plan). */
  search?: boolean;
  /** OAuth scopes of which the caller needs one (the operation's `security` in the spec). */
  scopes: readonly string[];
  handle(context: ApiContext): SandboxResponse;
}

/** A request and the sandbox's answer, for observers such as the OpenAPI conformance check. */
export interface Exchange {
  request: SandboxRequest;
  response: SandboxResponse;
  /** The spec operation that answered, when the request reached one. */
  operation: Pick<OperationRef, 'api' | 'operationId' | 'method' | 'path'> | undefined;
  /** The answer is an injected fault (or a dropped connection), not the sandbox's own. */
  faulted: boolean;
}
