import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { appSourceFor, cloudEventsBody } from '../../local/quickbooks/webhook-formats';
import { signWebhookBody } from '../../local/quickbooks/webhook-signature';
import { lambdaContext, loadHandler } from '../../local/stack/load-handler';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { settle } from '../harness/settle';
import { editCustomer } from '../shared/qbo-control';
import { mappedEdit, topLevelCustomerIds, unmappedEdit } from '../shared/customers';
import { meter, type Usage } from '../shared/meter';

export interface Measured {
  changes: number;
  usage: Usage;
}

export interface StackFigures {
  customers: number;
  /** One mapped change each on customers already in sync (webhook path). */
  mapped: Measured;
  /** One change each to a field the connector does not map (webhook path). */
  unmapped: Measured;
  /** 100 mapped changes within a minute, announced by webhook. */
  burstWebhook: Measured & { seconds: number };
  /** The same burst as Intuit's production aggregation sends it: one delivery. */
  burstAggregated: Measured;
  /** The same burst found by one CDC poll (webhooks lost). */
  burstCdc: Measured;
  /** QBO edit → organization renamed in Pipedrive, wall-clock ms. */
  freshnessMs: number[];
  /** The webhook handler, called in-process with a signed one-event body, wall-clock ms. */
  webhookLatencyMs: number[];
}

const HANDLERS = join(__dirname, '..', '..', 'functions', 'handlers');

/**
 * The connector as deployed, on this machine (local/stack): real handlers behind the HTTP front,
 * the SQS event sources and the sandboxes, all on the wall clock.
 */
export async function measureOnLocalStack(options: {
  customers: number;
  burst: number;
  steady: number;
  freshnessSamples: number;
  latencySamples: number;
  log: (line: string) => void;
}): Promise<StackFigures> {
  const stack = await startLocalStack({ qboSeedCount: options.customers, pollIntervalMs: 24 * 3_600_000 });
  try {
    const { realmId } = await stack.connect();
    // The first poll only places the CDC cursor at "now".
    await stack.invoke('cdcPoll', { mode: 'poll' });
    await stack.invoke('backfill', { realmId, dryRun: false });
    await settle(stack, { timeoutMs: 180_000 });
    const ids = topLevelCustomerIds(stack.qbo, realmId);
    if (ids.length < options.burst)
      throw new Error(`only ${ids.length} top-level customers for a burst of ${options.burst}`);
    const sandboxes = { pipedrive: stack.pipedrive, qbo: stack.qbo };
    const edit = (id: string, patch: Record<string, unknown>) => editCustomer(stack.qbo, realmId, id, patch);
    options.log(`local stack: ${ids.length} customers in sync; measuring`);

    // The CDC path: webhooks lost, one poll finds the whole burst.
    stack.qbo.state.webhooks.configure({ dropProbability: 1 });
    for (const id of ids.slice(0, options.burst)) await edit(id, mappedEdit(1, id));
    stack.qbo.state.webhooks.configure({ dropProbability: 0 });
    let measured = meter(sandboxes);
    await stack.invoke('cdcPoll', { mode: 'poll' });
    await settle(stack);
    const burstCdc = { changes: options.burst, usage: measured() };

    const steadyIds = ids.slice(0, options.steady);
    measured = meter(sandboxes);
    for (const id of steadyIds) await edit(id, mappedEdit(2, id));
    await settle(stack);
    const mapped = { changes: steadyIds.length, usage: measured() };

    measured = meter(sandboxes);
    for (const [n, id] of steadyIds.entries()) await edit(id, unmappedEdit(n));
    await settle(stack);
    const unmapped = { changes: steadyIds.length, usage: measured() };

    // No aggregation (the sandbox's default, like Intuit's sandbox): 100 changes over ten seconds, each its own delivery.
    measured = meter(sandboxes);
    const burstStarted = Date.now();
    for (const id of ids.slice(0, options.burst)) {
      await edit(id, mappedEdit(3, id));
      await delay(10_000 / options.burst);
    }
    const seconds = (Date.now() - burstStarted) / 1000;
    await settle(stack);
    const burstWebhook = { changes: options.burst, seconds, usage: measured() };

    // Intuit's production aggregation (1–5 minutes): the same burst held back, then sent as one delivery.
    measured = meter(sandboxes);
    stack.qbo.state.webhooks.configure({ batchWindowMs: 3_600_000 });
    for (const id of ids.slice(0, options.burst)) await edit(id, mappedEdit(5, id));
    stack.qbo.state.webhooks.configure({ batchWindowMs: 0 });
    await settle(stack);
    const burstAggregated = { changes: options.burst, usage: measured() };

    const freshnessMs = await measureFreshness(stack, realmId, ids.slice(0, options.freshnessSamples));
    await settle(stack);
    // The worker still handles what these calls enqueue; close() stops it, nothing is measured after.
    const webhookLatencyMs = await measureWebhookLatency(stack, realmId, ids, options.latencySamples);
    return {
      customers: options.customers,
      mapped,
      unmapped,
      burstWebhook,
      burstAggregated,
      burstCdc,
      freshnessMs,
      webhookLatencyMs,
    };
  } finally {
    await stack.close();
  }
}

/** Renames one customer every 400 ms and times each until Pipedrive holds the new name. */
async function measureFreshness(stack: LocalStack, realmId: string, ids: string[]): Promise<number[]> {
  const waiting = new Map<string, number>();
  const samples: number[] = [];
  const watch = setInterval(() => {
    if (waiting.size === 0) return;
    const names = new Set([...stack.pipedrive.store.organizations.values()].map((org) => org.name));
    for (const [name, started] of waiting) {
      if (!names.has(name)) continue;
      samples.push(performance.now() - started);
      waiting.delete(name);
    }
  }, 5);
  try {
    for (const id of ids) {
      const patch = mappedEdit(4, id);
      waiting.set(String(patch.CompanyName), performance.now());
      await editCustomer(stack.qbo, realmId, id, patch);
      await delay(400);
    }
    const deadline = Date.now() + 60_000;
    while (waiting.size > 0 && Date.now() < deadline) await delay(20);
  } finally {
    clearInterval(watch);
  }
  return samples;
}

/** Calls the loaded webhook handler directly with signed CloudEvents bodies (one Customer update each). */
async function measureWebhookLatency(
  stack: LocalStack,
  realmId: string,
  ids: string[],
  samples: number,
): Promise<number[]> {
  // The same module instance the stack loaded (require cache): warm, as a reused Lambda container.
  const webhook = loadHandler(join(HANDLERS, 'webhook'));
  const info = stack.qbo.describe();
  const source = appSourceFor(info.clientId);
  const call = async (id: string) => {
    const body = cloudEventsBody(
      [{ change: { realmId, entity: 'Customer', id, operation: 'Update', at: Date.now() }, eventId: randomUUID() }],
      source,
    );
    const event = {
      version: '2.0',
      rawPath: '/webhooks/quickbooks',
      body,
      isBase64Encoded: false,
      headers: {
        'content-type': 'application/cloudevents+json',
        'intuit-signature': signWebhookBody(body, info.verifierToken),
      },
    };
    const started = performance.now();
    const answer = await webhook(event, lambdaContext('webhook'));
    const elapsed = performance.now() - started;
    if (!answerIs200(answer)) throw new Error('the webhook handler did not answer 200');
    return elapsed;
  };
  for (let i = 0; i < 10; i++) await call(ids[i % ids.length] ?? '1');
  const out: number[] = [];
  for (let i = 0; i < samples; i++) out.push(await call(ids[i % ids.length] ?? '1'));
  return out;
}

function answerIs200(answer: unknown): boolean {
  return typeof answer === 'object' && answer !== null && Reflect.get(answer, 'statusCode') === 200;
}
