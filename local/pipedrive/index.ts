import { SandboxClock, type ClockOptions } from '../shared/clock';
import { Counters } from '../shared/counters';
import { FaultInjector } from '../shared/faults';
import { serve } from '../shared/http';
import { Latency, type LatencyProfile } from '../shared/latency';
import { SeededRandom } from '../shared/random';
import { DailyBudget } from './budget';
import { BurstLimiter } from './burst';
import { budgetOf, resolveConfig, type SandboxConfig, type SandboxConfigInput } from './config';
import { SandboxControl } from './control';
import type { Exchange, SandboxCore } from './core';
import { Escalation } from './escalation';
import { installSystemFields } from './field-definitions';
import type { Plan } from './plans';
import { createHandler } from './server';
import { PipedriveStore } from './store';
import { WebhookDeliveries } from './webhooks';

export interface PipedriveSandboxOptions extends SandboxConfigInput {
  /** Listening port; 0 (default) picks a free one. */
  port?: number;
  /** Listening address; loopback by default. */
  host?: string;
  /** A clock to share (e.g. with the QuickBooks sandbox) or options for a new one. */
  clock?: SandboxClock | ClockOptions;
  /** Real per-request latency of the API and OAuth endpoints; off unless given (see REALISTIC_LATENCY). */
  latency?: LatencyProfile | false;
}

/** Exactly what a client needs to talk to this sandbox as if it were a Pipedrive company. */
export interface PipedriveSandboxDescription {
  /** The company's origin, like OAuth's `api_domain`: append `/api/v2/…` or `/api/v1/…` (no bare `/v1` here). */
  apiBaseUrl: string;
  /** The API-token host, like `https://api.pipedrive.com`: `/api/v2/…`, `/api/v1/…` and `/v1/…` (decision 45). */
  apiTokenBaseUrl: string;
  apiToken: string;
  companyId: number;
  plan: Plan;
  seats: number;
  oauth: {
    authorizeUrl: string;
    tokenUrl: string;
    revokeUrl: string;
    clientId: string;
    clientSecret: string;
    redirectUris: string[];
  };
  controlUrl: string;
}

export interface PipedriveSandbox {
  /** The company domain (OAuth's `api_domain`). */
  url: string;
  port: number;
  /** The API-token host (`api.pipedrive.com`), a second loopback listener sharing the same company. */
  apiTokenUrl: string;
  clock: SandboxClock;
  config: SandboxConfig;
  /** The company's data, for tests to read (and, carefully, to change). */
  store: PipedriveStore;
  budget: DailyBudget;
  counters: Counters;
  faults: FaultInjector;
  latency: Latency;
  /** The control API, in-process. */
  control: SandboxControl;
  /** The company's webhooks and every delivery attempt (decision 63). */
  webhooks: WebhookDeliveries;
  describe(): PipedriveSandboxDescription;
  /** Called after every API and OAuth answer (not for `/_sandbox`); returns an unsubscribe function. */
  onExchange(listener: (exchange: Exchange) => void): () => void;
  close(): Promise<void>;
}

function description(core: SandboxCore): PipedriveSandboxDescription {
  const { baseUrl, config } = core;
  return {
    apiBaseUrl: baseUrl,
    apiTokenBaseUrl: core.apiTokenBaseUrl,
    apiToken: config.apiToken,
    companyId: config.companyId,
    plan: config.plan,
    seats: config.seats,
    oauth: {
      authorizeUrl: `${baseUrl}/oauth/authorize`,
      tokenUrl: `${baseUrl}/oauth/token`,
      revokeUrl: `${baseUrl}/oauth/revoke`,
      clientId: config.oauth.clientId,
      clientSecret: config.oauth.clientSecret,
      redirectUris: [...config.oauth.redirectUris],
    },
    controlUrl: `${baseUrl}/_sandbox`,
  };
}

/** Observers of every sandbox this process starts (the conformance recorder); see observeEveryPipedriveSandbox. */
const everySandbox = new Set<(exchange: Exchange, sandbox: { url: string }) => void>();

/**
 * Calls `listener` after every API and OAuth answer of every Pipedrive sandbox started in this
 * process, including those a local stack or a chaos run starts inside; returns an unsubscribe function.
 */
export function observeEveryPipedriveSandbox(
  listener: (exchange: Exchange, sandbox: { url: string }) => void,
): () => void {
  everySandbox.add(listener);
  return () => everySandbox.delete(listener);
}

/** Starts a Pipedrive company sandbox on loopback, in-process. */
export async function startPipedriveSandbox(options: PipedriveSandboxOptions = {}): Promise<PipedriveSandbox> {
  const { port, host, clock: clockOption, latency: latencyOption, ...configInput } = options;
  const config = resolveConfig(configInput);
  const clock = clockOption instanceof SandboxClock ? clockOption : new SandboxClock(clockOption);
  const store = new PipedriveStore();
  installSystemFields(store, clock.now());
  const core: SandboxCore = {
    config,
    store,
    clock,
    budget: new DailyBudget(() => budgetOf(config)),
    burst: new BurstLimiter(),
    escalation: new Escalation(() => config.escalation),
    counters: new Counters(),
    faults: new FaultInjector(config.faultSeed),
    random: new SeededRandom(config.faultSeed),
    latency: new Latency(latencyOption ?? false),
    webhooks: new WebhookDeliveries({ clock, config, store }),
    baseUrl: '',
    apiTokenBaseUrl: '',
  };
  const listeners = new Set<(exchange: Exchange) => void>();
  const describe = () => description(core);
  const control = new SandboxControl(core, describe);
  const notify = (url: () => string) => (exchange: Exchange) => {
    for (const listener of listeners) listener(exchange);
    for (const listener of everySandbox) listener(exchange, { url: url() });
  };
  const handler = createHandler(
    core,
    control,
    notify(() => core.baseUrl),
  );
  const server = await serve(handler, { port: port ?? 0, host: host ?? '127.0.0.1' });
  core.baseUrl = server.url;
  // On loopback the two hosts are told apart by port: a Host header would not survive every client (decision 45).
  const apiTokenHandler = createHandler(
    core,
    control,
    notify(() => core.apiTokenBaseUrl),
    'api-token-host',
  );
  const apiTokenServer = await serve(apiTokenHandler, { port: 0, host: host ?? '127.0.0.1' });
  core.apiTokenBaseUrl = apiTokenServer.url;
  return {
    url: server.url,
    port: server.port,
    apiTokenUrl: apiTokenServer.url,
    clock,
    config,
    store,
    budget: core.budget,
    counters: core.counters,
    faults: core.faults,
    latency: core.latency,
    webhooks: core.webhooks,
    control,
    describe,
    onExchange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      await Promise.all([server.close(), apiTokenServer.close()]);
    },
  };
}

export type { Exchange } from './core';
export type { Plan } from './plans';
