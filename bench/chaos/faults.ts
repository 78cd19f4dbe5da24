import type { LocalStack } from '../../local/stack/local-stack';

/** The client timeout the chaos run gives the handlers; an injected timeout waits longer than this. */
export const CHAOS_HTTP_TIMEOUT_MS = 2000;
const TIMEOUT_LATENCY_MS = CHAOS_HTTP_TIMEOUT_MS + 500;
/**
 * The create-claim staleness the chaos run gives the worker (120 s in the stack): time is compressed
 * like the retry delays, but stays well longer than one create attempt takes here (a few calls of at
 * most 2 s each; the injected 429s ask for 1 s pauses).
 */
export const CHAOS_PENDING_STALE_AFTER_MS = 25_000;

/** How often a burst of 429s starts and how long it lasts, in real milliseconds: every request in it is refused. */
const BURST_EVERY_MS = 10_000;
const BURST_LASTS_MS = 800;

const QBO_THROTTLE_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse xmlns="http://schema.intuit.com/finance/v3">' +
  '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>' +
  '<Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>';

export interface InjectedFaults {
  /** Faults applied so far, by kind. */
  applied(): Record<string, number>;
  /** Ends the outage: every fault, 429 burst, token limit and webhook loss is switched off (added latency stays). */
  stop(): void;
}

/**
 * Everything goes wrong at once (issue #8): 5 % 5xx, resets and timeouts from both sandboxes, 429
 * bursts, QBO access tokens that die after `accessTokenMaxUses` calls (100, fewer in a small run) and
 * refresh tokens that rotate on every refresh
 * with the old one dead at once, Pipedrive 401s, 30 % of webhooks dropped plus duplicates and
 * reordering, and creates whose answer is lost after Pipedrive made the organization (a Lambda
 * that died between the POST and the link write).
 */
export function injectFaults(
  stack: LocalStack,
  options: { latencyMs?: number; accessTokenMaxUses?: number } = {},
): InjectedFaults {
  const qbo = stack.qbo.state;
  const pipedrive = stack.pipedrive;
  const api = '^/v3/';
  const pipedriveApi = '^/(api/v2|v1)/';
  const kinds = new Map<string, string>();
  const add = (system: 'qbo' | 'pipedrive', kind: string, spec: object) => {
    const id = system === 'qbo' ? qbo.faults.add(spec) : pipedrive.faults.add(spec);
    kinds.set(`${system}:${id}`, `${system} ${kind}`);
    return id;
  };
  // The crash between a Pipedrive create and the link write comes first, so its share is its own.
  // The first create always loses its answer: a small run whose creates all dodged the 3 % (one run
  // in about 30 under load) would otherwise test nothing of it.
  add('pipedrive', 'lost create response', {
    method: 'POST',
    path: '^/api/v2/organizations$',
    loseResponse: true,
    count: 1,
  });
  add('pipedrive', 'lost create response', {
    method: 'POST',
    path: '^/api/v2/organizations$',
    loseResponse: true,
    probability: 0.03,
  });
  add('qbo', '5xx', { path: api, status: 503, body: 'Service Unavailable', probability: 0.03 });
  add('qbo', 'reset', { path: api, reset: true, probability: 0.01 });
  add('qbo', 'timeout', { path: api, latencyMs: TIMEOUT_LATENCY_MS, probability: 0.01 });
  // Refreshes fail too, but only before Intuit acts on them: a lost refresh answer would kill the rotated token for any client.
  add('qbo', 'token endpoint 5xx', { path: '^/oauth2/v1/tokens/bearer$', status: 503, probability: 0.05 });
  add('pipedrive', '5xx', {
    path: pipedriveApi,
    status: 503,
    body: { success: false, error: 'Service Unavailable' },
    probability: 0.03,
  });
  add('pipedrive', 'reset', { path: pipedriveApi, reset: true, probability: 0.01 });
  add('pipedrive', 'timeout', { path: pipedriveApi, latencyMs: TIMEOUT_LATENCY_MS, probability: 0.01 });
  add('pipedrive', '401 (access token expired)', {
    path: '^/api/v2/',
    status: 401,
    body: { success: false, error: 'unauthorized access', errorCode: 401 },
    probability: 0.01,
  });
  add('pipedrive', 'token endpoint 5xx', { path: '^/oauth/token$', status: 503, probability: 0.05 });

  // Applied counts are read off the fault list, so a finished burst's fault stays in it, used up.
  const retire = (system: 'qbo' | 'pipedrive', id: string, kind = '429 burst') => {
    const spent = (system === 'qbo' ? qbo.faults : pipedrive.faults).list().find((fault) => fault.id === id);
    if (!spent) return;
    if (system === 'qbo') qbo.faults.remove(id);
    else pipedrive.faults.remove(id);
    retired[`${system} ${kind}`] = (retired[`${system} ${kind}`] ?? 0) + spent.applied;
  };
  const retired: Record<string, number> = {};
  // Added latency on every request no other fault takes, on both sandboxes. The sandboxes apply the
  // first fault that matches, so it is kept last: a burst added later must come before it.
  const latency: { system: 'qbo' | 'pipedrive'; id: string }[] = [];
  const keepLatencyLast = () => {
    if (!options.latencyMs) return;
    for (const { system, id } of latency.splice(0)) retire(system, id, 'latency');
    for (const system of ['qbo', 'pipedrive'] as const)
      latency.push({ system, id: add(system, 'latency', { path: '.*', latencyMs: options.latencyMs }) });
  };
  keepLatencyLast();
  const burst = () => {
    const qboBurst = add('qbo', '429 burst', {
      path: api,
      status: 429,
      body: QBO_THROTTLE_XML,
      headers: { 'content-type': 'application/xml' },
    });
    const pipedriveBurst = add('pipedrive', '429 burst', {
      path: pipedriveApi,
      status: 429,
      body: { success: false, error: 'Rate limit has been exceeded', errorCode: 429 },
      headers: {
        'retry-after': '1',
        'x-ratelimit-limit': '160',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '1',
      },
    });
    keepLatencyLast();
    setTimeout(() => {
      retire('qbo', qboBurst);
      retire('pipedrive', pipedriveBurst);
    }, BURST_LASTS_MS).unref();
  };
  const bursts = setInterval(burst, BURST_EVERY_MS);
  bursts.unref();

  qbo.oauth.options = {
    ...qbo.oauth.options,
    accessTokenMaxUses: options.accessTokenMaxUses ?? 100,
    rotationPeriodMs: 0,
    supersededGraceMs: 0,
  };
  qbo.webhooks.configure({
    dropProbability: 0.3,
    duplicateProbability: 0.2,
    reorderProbability: 0.3,
    batchWindowMs: 500,
    seed: 11,
  });

  const count = (): Record<string, number> => {
    const out: Record<string, number> = { ...retired };
    for (const [system, list] of [
      ['qbo', qbo.faults.list()],
      ['pipedrive', pipedrive.faults.list()],
    ] as const) {
      for (const fault of list) {
        const kind = kinds.get(`${system}:${fault.id}`) ?? `${system} other`;
        out[kind] = (out[kind] ?? 0) + fault.applied;
      }
    }
    return out;
  };
  let final: Record<string, number> | undefined;
  return {
    applied: () => final ?? count(),
    stop: () => {
      if (final) return;
      clearInterval(bursts);
      final = count();
      qbo.faults.clear();
      pipedrive.faults.clear();
      // The outage ends; a slow network does not.
      latency.length = 0;
      keepLatencyLast();
      const { accessTokenMaxUses: _unlimited, ...oauth } = qbo.oauth.options;
      qbo.oauth.options = oauth;
      qbo.webhooks.configure({ dropProbability: 0, duplicateProbability: 0, reorderProbability: 0 });
    },
  };
}
