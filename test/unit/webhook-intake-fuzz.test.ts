import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { acceptWebhook } from '../../functions/quickbooks/webhook-intake';
import { type QueuedMessage, SyncMessage } from '../../functions/sync/sync-message';

const VERIFIER = 'fuzz-verifier-token';
const sign = (body: string) => createHmac('sha256', VERIFIER).update(body).digest('base64');

/** What real SQS accepts as a FIFO group or deduplication id (fauxqs is more lenient). */
const SQS_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

/** A queue that refuses what real SQS refuses, as SendMessageBatch would. */
function strictQueue() {
  const sent: QueuedMessage[] = [];
  return {
    sent,
    send(messages: readonly QueuedMessage[]) {
      for (const message of messages) {
        if (!SQS_ID.test(message.groupId) || !SQS_ID.test(message.deduplicationId))
          return Promise.reject(new Error('InvalidParameterValue'));
      }
      sent.push(...messages);
      return Promise.resolve();
    },
  };
}

// Mostly well-formed ids, sometimes anything at all (emoji, spaces, very long strings).
const digits = fc.stringMatching(/^\d{1,19}$/);
const anyString = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 80 }));
const id = fc.oneof({ weight: 3, arbitrary: digits }, { weight: 1, arbitrary: anyString });
const entity = fc.constantFrom('customer', 'invoice', 'payment', 'term', 'Customer', 'cust omer');
const operation = fc.constantFrom('created', 'updated', 'deleted', 'merged', 'voided');
const cloudEvent = fc.record(
  {
    specversion: fc.constant('1.0'),
    id: fc.oneof(fc.uuid(), anyString),
    type: fc.oneof(
      fc.tuple(entity, operation).map(([e, o]) => `qbo.${e}.${o}.v1`),
      anyString,
    ),
    time: fc.oneof(fc.constant(new Date().toISOString()), anyString),
    intuitentityid: id,
    intuitaccountid: id,
    data: fc.oneof(fc.constant(null), fc.record({ deletedid: id })),
  },
  { requiredKeys: ['id', 'type', 'intuitentityid', 'intuitaccountid'] },
);
const legacy = fc.record({
  eventNotifications: fc.array(
    fc.record({
      realmId: id,
      dataChangeEvent: fc.record({
        entities: fc.array(
          fc.record({
            name: fc.oneof(fc.constantFrom('Customer', 'Invoice', 'Payment'), anyString),
            id,
            operation: fc.oneof(fc.constantFrom('Create', 'Update', 'Merge'), anyString),
            lastUpdated: fc.oneof(fc.constant(new Date().toISOString()), anyString),
            deletedId: id,
          }),
          { maxLength: 5 },
        ),
      }),
    }),
    { maxLength: 4 },
  ),
});
const body = fc.oneof(
  { weight: 4, arbitrary: fc.array(cloudEvent, { maxLength: 8 }).map((events) => JSON.stringify(events)) },
  { weight: 3, arbitrary: legacy.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 500 }) },
);

describe('webhook intake under fuzzing (signed, well-formed deliveries)', () => {
  it('never answers 5xx and never enqueues an id real SQS or the table would refuse', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const queue = strictQueue();
        const outcome = await acceptWebhook(
          { rawBody: Buffer.from(raw, 'utf8'), signature: sign(raw) },
          {
            verifierTokens: [VERIFIER],
            queue,
            // Every realm is known, so every readable event reaches the queue; DynamoDB keys are at most 2 KiB.
            isKnownRealm: (realmId) =>
              Buffer.byteLength(`CONN#${realmId}`) > 2048
                ? Promise.reject(new Error('ValidationException'))
                : Promise.resolve(true),
            now: Date.now,
            maxBodyBytes: 256 * 1024,
            staleAfterMs: 72 * 3_600_000,
          },
        );
        expect(outcome.status).toBe(200);
        for (const message of queue.sent) {
          expect(message.groupId).toMatch(SQS_ID);
          expect(message.deduplicationId).toMatch(SQS_ID);
          const parsed = SyncMessage.parse(message.body);
          expect(parsed.realmId).toMatch(/^\d{1,32}$/);
          expect(parsed.id).toMatch(/^\d{1,20}$/);
          if (parsed.deletedId !== undefined) expect(parsed.deletedId).toMatch(/^\d{1,20}$/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('counts an event with an emoji entity id as unreadable rather than enqueueing it', async () => {
    const raw = JSON.stringify([
      {
        id: 'e-1',
        type: 'qbo.customer.updated.v1',
        intuitentityid: '12😀',
        intuitaccountid: '9341452',
        time: new Date().toISOString(),
      },
    ]);
    const queue = strictQueue();
    const outcome = await acceptWebhook(
      { rawBody: Buffer.from(raw), signature: sign(raw) },
      {
        verifierTokens: [VERIFIER],
        queue,
        isKnownRealm: () => Promise.resolve(true),
        now: Date.now,
        maxBodyBytes: 256 * 1024,
        staleAfterMs: 72 * 3_600_000,
      },
    );
    expect(outcome).toMatchObject({ status: 200, counts: { unreadable: 1, enqueued: 0 } });
    expect(queue.sent).toEqual([]);
  });
});
