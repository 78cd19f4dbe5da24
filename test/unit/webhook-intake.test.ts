import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptWebhook, type WebhookDependencies } from '../../functions/quickbooks/webhook-intake';
import type { QueuedMessage } from '../../functions/sync/sync-message';

const TOKEN = 'verifier-token';
const NOW = Date.parse('2025-12-04T15:30:00Z');
const reference = (file: string) =>
  readFileSync(join(__dirname, '..', '..', 'local', 'quickbooks', 'reference', file), 'utf8');
const sign = (body: string, token = TOKEN) => createHmac('sha256', token).update(body).digest('base64');

function deps(overrides: Partial<WebhookDependencies> = {}): WebhookDependencies & { sent: QueuedMessage[] } {
  const sent: QueuedMessage[] = [];
  return {
    sent,
    verifierTokens: [TOKEN],
    queue: { send: (messages) => Promise.resolve(void sent.push(...messages)) },
    isKnownRealm: (realm) => Promise.resolve(realm !== '999000999'),
    now: () => NOW,
    maxBodyBytes: 256 * 1024,
    staleAfterMs: 72 * 3_600_000,
    ...overrides,
  };
}

const legacy = (entities: object[], realmId = '1185883450') =>
  JSON.stringify({ eventNotifications: [{ realmId, dataChangeEvent: { entities } }] });
const entity = (id: string, name = 'Customer', operation = 'Update', lastUpdated = '2025-12-04T15:20:00.000Z') => ({
  name,
  id,
  operation,
  lastUpdated,
});

describe('accepting a QBO webhook', () => {
  it('enqueues one message per customer, grouped by realm and customer, and answers 200', async () => {
    const d = deps();
    const body = legacy([entity('1'), entity('2', 'Customer', 'Create'), entity('9', 'Vendor')]);
    const outcome = await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d);
    expect(outcome).toMatchObject({ status: 200, counts: { received: 3, enqueued: 2, ignoredEntity: 1 } });
    expect(d.sent.map((m) => m.groupId)).toEqual(['1185883450#1', '1185883450#2']);
    expect(d.sent[0]?.body).toMatchObject({
      v: 1,
      realmId: '1185883450',
      kind: 'customer',
      id: '1',
      operation: 'Update',
      source: 'webhook',
      enqueuedAt: NOW,
    });
  });

  it('asks for one early poll of a realm with many events in a delivery, the same one when it is sent again (decision 65)', async () => {
    const polls: [string, string, string[]][] = [];
    const d = deps({
      pollSoon: (realmId, key, messages) => Promise.resolve(void polls.push([realmId, key, messages.map((m) => m.id)])),
      pollAtEvents: 3,
    });
    const busy = legacy([entity('1'), entity('2'), entity('3', 'Invoice')]);
    const quiet = legacy([entity('4'), entity('5')], '1185883451');
    for (const body of [busy, busy, quiet]) {
      const outcome = await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d);
      expect(outcome.status).toBe(200);
    }
    expect(polls).toHaveLength(2);
    expect(polls[0]?.[0]).toBe('1185883450');
    // With the messages it stands for, sent instead if the poll cannot read.
    expect(polls[0]?.[2]).toEqual(['1', '2', '3']);
    expect(polls[1]).toEqual(polls[0]);
    // Below the threshold, each event is still its own message.
    expect(d.sent.map((m) => m.groupId)).toEqual(['1185883451#4', '1185883451#5']);
  });

  it('answers 500 when the early poll cannot be asked for, so Intuit sends the delivery again', async () => {
    const d = deps({ pollSoon: () => Promise.reject(new Error('SQS down')), pollAtEvents: 2 });
    const body = legacy([entity('1'), entity('2')]);
    const outcome = await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d);
    expect(outcome).toMatchObject({ status: 500, rejection: 'queue-failed' });
  });

  it('gives a redelivered event the same deduplication id, and collapses duplicates inside one body', async () => {
    const d = deps();
    const body = legacy([entity('1'), entity('1')]);
    await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d);
    await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d);
    expect(d.sent).toHaveLength(2);
    expect(d.sent[0]?.deduplicationId).toBe(d.sent[1]?.deduplicationId);
    expect(d.sent[0]?.deduplicationId.length).toBeLessThanOrEqual(128);
  });

  it('takes CloudEvents (merge with the merged-away id) with the same signature check', async () => {
    const d = deps();
    const body = reference('webhook-cloudevents-customer-merged.json').replace('93414556*********', '934145560000001');
    const outcome = await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d);
    expect(outcome.status).toBe(200);
    expect(d.sent[0]?.body).toMatchObject({
      kind: 'customer',
      id: '123',
      operation: 'Merge',
      deletedId: '27',
      realmId: '934145560000001',
    });
    expect(d.sent[0]?.deduplicationId).toBe('934145560000001:********-****-****-****-************-Customer-123');
  });

  it('groups invoices and payments by themselves until the worker finds their customer', async () => {
    const d = deps();
    const body = legacy([entity('55', 'Invoice', 'Create'), entity('56', 'Payment', 'Create')]);
    await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d);
    expect(d.sent.map((m) => [m.body.kind, m.groupId])).toEqual([
      ['invoice', '1185883450#invoice:55'],
      ['payment', '1185883450#payment:56'],
    ]);
  });

  it('answers 401 and enqueues nothing for a missing or wrong signature', async () => {
    const d = deps();
    const body = legacy([entity('1')]);
    expect((await acceptWebhook({ rawBody: Buffer.from(body), signature: undefined }, d)).status).toBe(401);
    expect((await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body, 'other') }, d)).status).toBe(401);
    expect(d.sent).toHaveLength(0);
  });

  it('acknowledges a signed delivery over the cap without enqueuing it, so Intuit does not stall the later ones', async () => {
    const d = deps({ maxBodyBytes: 10 });
    const body = legacy([entity('1')]);
    expect(await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d)).toMatchObject({
      status: 200,
      rejection: 'too-large',
    });
    expect(d.sent).toHaveLength(0);
  });

  it('answers once its sending budget is spent, leaving the rest of a large delivery to the CDC poll', async () => {
    let clock = NOW;
    const sent: QueuedMessage[] = [];
    const d = deps({
      now: () => clock,
      sendBudgetMs: 2000,
      // Each send of up to 100 messages takes 900 ms of the handler's time.
      queue: {
        send: (messages) => {
          clock += 900;
          sent.push(...messages);
          return Promise.resolve();
        },
      },
    });
    const body = legacy(Array.from({ length: 1000 }, (_, n) => entity(String(n + 1))));
    const outcome = await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d);
    expect(outcome.status).toBe(200);
    expect(outcome.counts).toMatchObject({ received: 1000, enqueued: 300, leftToPoll: 700 });
    expect(sent.map((m) => m.body.id)).toEqual(Array.from({ length: 300 }, (_, n) => String(n + 1)));
    expect(JSON.parse(outcome.body)).toEqual({ accepted: 300, readBy: 'cdc-poll' });
  });

  it('sends every message of a large delivery when it fits in the budget', async () => {
    const d = deps({ sendBudgetMs: 2000 });
    const body = legacy(Array.from({ length: 1000 }, (_, n) => entity(String(n + 1))));
    const outcome = await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d);
    expect(outcome.counts).toMatchObject({ enqueued: 1000, leftToPoll: 0 });
    expect(d.sent).toHaveLength(1000);
  });

  it('answers 401 to an unsigned delivery over the cap', async () => {
    const d = deps({ maxBodyBytes: 10 });
    const body = legacy([entity('1')]);
    expect(await acceptWebhook({ rawBody: Buffer.from(body), signature: 'bm9wZQ==' }, d)).toMatchObject({
      status: 401,
      rejection: 'bad-signature',
    });
    expect(d.sent).toHaveLength(0);
  });

  it('answers 500 when the queue did not take every message, so Intuit retries', async () => {
    const d = deps({ queue: { send: () => Promise.reject(new Error('throttled')) } });
    const body = legacy([entity('1')]);
    expect(await acceptWebhook({ rawBody: Buffer.from(body), signature: sign(body) }, d)).toMatchObject({
      status: 500,
      rejection: 'queue-failed',
    });
  });

  it('acknowledges and drops unknown realms, stale events and unreadable bodies (never a 4xx)', async () => {
    const d = deps();
    const unknown = legacy([entity('1')], '999000999');
    expect(await acceptWebhook({ rawBody: Buffer.from(unknown), signature: sign(unknown) }, d)).toMatchObject({
      status: 200,
      counts: { unknownRealm: 1 },
    });
    const stale = legacy([entity('1', 'Customer', 'Update', '2025-11-01T00:00:00-0700')]);
    expect(await acceptWebhook({ rawBody: Buffer.from(stale), signature: sign(stale) }, d)).toMatchObject({
      status: 200,
      counts: { stale: 1 },
    });
    const junk = '{"hello":"world"}';
    expect(await acceptWebhook({ rawBody: Buffer.from(junk), signature: sign(junk) }, d)).toMatchObject({
      status: 200,
      counts: { unreadable: 1 },
    });
    expect(d.sent).toHaveLength(0);
  });

  it('never throws and never enqueues without a valid signature, whatever arrives', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        fc.option(fc.string(), { nil: undefined }),
        async (body, signature) => {
          const d = deps();
          const outcome = await acceptWebhook({ rawBody: Buffer.from(body), signature }, d);
          expect(outcome.status).toBe(401);
          expect(d.sent).toHaveLength(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
