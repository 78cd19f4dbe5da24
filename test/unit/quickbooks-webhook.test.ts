import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { legacyEventId, parseWebhookPayload } from '../../functions/quickbooks/webhook-payload';
import { verifyIntuitSignature } from '../../functions/quickbooks/webhook-signature';

const reference = (file: string) =>
  readFileSync(join(__dirname, '..', '..', 'local', 'quickbooks', 'reference', file), 'utf8');
const sign = (body: Buffer | string, token: string) => createHmac('sha256', token).update(body).digest('base64');

describe('intuit-signature verification', () => {
  const vector = JSON.parse(reference('webhook-legacy-signature-vector.json')) as {
    verifierToken: string;
    rawBody: string;
    intuitSignature: string;
  };

  it("accepts Intuit's test vector, over the raw bytes", () => {
    expect(verifyIntuitSignature(Buffer.from(vector.rawBody), vector.intuitSignature, [vector.verifierToken])).toBe(
      true,
    );
  });

  it('refuses the same JSON re-serialised with other whitespace', () => {
    const reformatted = JSON.stringify(JSON.parse(vector.rawBody), null, 2);
    expect(verifyIntuitSignature(Buffer.from(reformatted), vector.intuitSignature, [vector.verifierToken])).toBe(false);
  });

  it('accepts either of two tokens during a rotation, and neither a wrong one nor none', () => {
    expect(
      verifyIntuitSignature(Buffer.from(vector.rawBody), vector.intuitSignature, ['new-token', vector.verifierToken]),
    ).toBe(true);
    expect(verifyIntuitSignature(Buffer.from(vector.rawBody), vector.intuitSignature, ['new-token'])).toBe(false);
    expect(verifyIntuitSignature(Buffer.from(vector.rawBody), vector.intuitSignature, [])).toBe(false);
    expect(verifyIntuitSignature(Buffer.from(vector.rawBody), undefined, [vector.verifierToken])).toBe(false);
  });

  it('refuses any body with one byte changed', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (bytes, index, flip) => {
          const body = Buffer.from(bytes);
          const signature = sign(body, 'token');
          const tampered = Buffer.from(body);
          const at = index % tampered.length;
          tampered[at] = (tampered[at] ?? 0) ^ flip;
          expect(verifyIntuitSignature(body, signature, ['token'])).toBe(true);
          expect(verifyIntuitSignature(tampered, signature, ['token'])).toBe(false);
        },
      ),
    );
  });

  it('never throws on malformed signatures (not base64, wrong length, huge)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.constant('x'.repeat(1_000_000))), (signature) => {
        expect(verifyIntuitSignature(Buffer.from('{}'), signature, ['token'])).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('webhook payload parsing', () => {
  it('splits the legacy sample into one event per entity, with a stable id', () => {
    const parsed = parseWebhookPayload(reference('webhook-legacy.json'));
    expect(parsed?.events).toEqual([
      {
        realmId: '1185883450',
        entity: 'Customer',
        id: '1',
        operation: 'Create',
        occurredAt: '2015-10-05T14:42:19-0700',
        eventId: legacyEventId('1185883450', 'Customer', '1', 'Create', '2015-10-05T14:42:19-0700'),
      },
      {
        realmId: '1185883450',
        entity: 'Vendor',
        id: '1',
        operation: 'Create',
        occurredAt: '2015-10-05T14:42:19-0700',
        eventId: legacyEventId('1185883450', 'Vendor', '1', 'Create', '2015-10-05T14:42:19-0700'),
      },
    ]);
    expect(parseWebhookPayload(reference('webhook-legacy.json'))?.events[0]?.eventId).toBe(parsed?.events[0]?.eventId);
  });

  it('reads the 2025 legacy sample', () => {
    expect(parseWebhookPayload(reference('webhook-legacy-blog-2025.json'))?.events).toMatchObject([
      { realmId: '310687', entity: 'Account', id: '1234', operation: 'Create' },
    ]);
  });

  it('reads CloudEvents arrays: entity and operation from the type, the merged-away id, events with no data', () => {
    expect(parseWebhookPayload(reference('webhook-cloudevents.json'))?.events).toEqual([
      {
        realmId: '310687',
        entity: 'Account',
        id: '1234',
        operation: 'Create',
        occurredAt: '2025-09-10T21:31:25.179851517Z',
        eventId: '88cd52aa-33b6-4351-9aa4-47572edbd068',
      },
    ]);
    // Intuit's sample masks the realm with asterisks; a real one is all digits (and a masked one is unreadable).
    const merged = reference('webhook-cloudevents-customer-merged.json');
    expect(parseWebhookPayload(merged)).toMatchObject({ events: [], unreadable: 1 });
    expect(parseWebhookPayload(merged.replace(/\*/g, '0'))?.events[0]).toMatchObject({
      entity: 'Customer',
      id: '123',
      operation: 'Merge',
      deletedId: '27',
    });
    expect(
      parseWebhookPayload(reference('webhook-cloudevents-no-data.json').replace(/\*/g, '0'))?.events[0],
    ).toMatchObject({
      entity: 'Salesreceipt',
      id: '150',
      operation: 'Update',
    });
  });

  it('counts unreadable items without dropping the readable ones', () => {
    const body = JSON.stringify([{ id: 'x' }, (JSON.parse(reference('webhook-cloudevents.json')) as unknown[])[0]]);
    expect(parseWebhookPayload(body)).toMatchObject({ unreadable: 1, events: [{ id: '1234' }] });
    expect(parseWebhookPayload('not json')).toBeUndefined();
    expect(parseWebhookPayload('{"hello":1}')).toBeUndefined();
  });

  it('never throws on arbitrary bodies', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify([v])),
          fc.jsonValue().map((v) => JSON.stringify({ eventNotifications: [v] })),
        ),
        (body) => {
          parseWebhookPayload(body);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
