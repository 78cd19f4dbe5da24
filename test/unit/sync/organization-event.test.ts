import { DEFAULT_MAPPING } from '../../../functions/sync/default-mapping';
import type { OrganizationEvent } from '../../../functions/sync/organization-event';
import { applyOrganizationEvent } from '../../../functions/sync/organization-event-rules';
import type { ReconcileLinkView } from '../../../functions/sync/pipedrive-findings';
import { DEFAULT_PIPEDRIVE_RULES } from '../../../functions/sync/pipedrive-rules';
import type { AuditRecord } from '../../../functions/sync/ports';
import type { QueuedMessage } from '../../../functions/sync/sync-message';

const REALM = '9130';
const NOW = Date.UTC(2026, 11, 3, 2, 0);
const KEYS = {
  quickbooksId: 'k_qbo',
  openBalance: 'k_open',
  overdueBalance: 'k_overdue',
  paymentTerms: 'k_terms',
  quickbooksStatus: 'k_status',
  quickbooksLink: 'k_link',
};
const fields = { fieldKeys: KEYS, fieldOptions: { quickbooksStatus: { Active: 1, Inactive: 2, Merged: 3 } } };

function pushed(qboId: string) {
  return {
    organization: {
      name: `Customer ${qboId}`,
      address: { value: '1 Main St, Springfield' },
      quickbooksId: `${REALM}:${qboId}`,
      openBalance: { value: 12258.8, currency: 'USD' },
      overdueBalance: { value: 0, currency: 'USD' },
      paymentTerms: 'Net 30',
      quickbooksStatus: 'Active',
      quickbooksLink: `https://app.qbo.intuit.com/app/customerdetail?nameId=${qboId}`,
    },
    person: null,
  };
}

/** `data.custom_fields` of the organization as the connector last wrote it (only fields with a value). */
function written(qboId: string): Record<string, unknown> {
  const org = pushed(qboId).organization;
  return {
    k_qbo: org.quickbooksId,
    k_open: { value: 12258.8, currency: 'USD' },
    k_overdue: { value: 0, currency: 'USD' },
    k_terms: 'Net 30',
    k_status: 1,
    k_link: org.quickbooksLink,
  };
}

function harness(links: ReconcileLinkView[]) {
  const byCustomer = new Map(links.map((link) => [link.qboId, link]));
  const calls: unknown[][] = [];
  const audit: AuditRecord[] = [];
  const sent: QueuedMessage[] = [];
  let pagesRead = 0;
  const record = (call: unknown[]) => Promise.resolve(void calls.push(call));
  const run = (event: OrganizationEvent) =>
    applyOrganizationEvent(
      { v: 1, type: 'pipedrive-organization', realmId: REALM, event, enqueuedAt: NOW },
      {
        link: (_realm, qboId) => Promise.resolve(byCustomer.get(qboId)),
        linkPages: async function* () {
          pagesRead++;
          await Promise.resolve();
          yield [...byCustomer.values()];
        },
        identity: { realmId: REALM, ownsBareIds: false },
        fields,
        document: DEFAULT_MAPPING,
        links: {
          markState: (...args: unknown[]) => record(['markState', ...args]),
          repoint: (...args: unknown[]) => record(['repoint', ...args]),
          forgetOrganization: (...args: unknown[]) => record(['forgetOrganization', ...args]),
        },
        audit: { append: (entry: AuditRecord) => Promise.resolve(void audit.push(entry)) },
        queue: { send: (messages: readonly QueuedMessage[]) => Promise.resolve(void sent.push(...messages)) },
        now: () => NOW,
        rules: DEFAULT_PIPEDRIVE_RULES,
      },
    );
  return { calls, audit, sent, run, pagesRead: () => pagesRead };
}

const synced = (qboId: string, orgId: number): ReconcileLinkView => ({
  qboId,
  state: 'synced',
  orgId,
  pushed: pushed(qboId),
});

describe('one Pipedrive organization webhook through the Pipedrive-side rules (decision 63)', () => {
  it('finds nothing in an echo of our own write, and costs no link listing', async () => {
    const h = harness([synced('30', 35)]);
    const outcome = await h.run({
      id: 'e1',
      action: 'change',
      orgId: 35,
      current: { name: 'Customer 30', customFields: written('30') },
    });
    expect(outcome.findings).toEqual([]);
    expect(h.calls).toEqual([]);
    expect(h.sent).toEqual([]);
    expect(h.pagesRead()).toBe(0);
  });

  it('repushes a hand edit of an owned field, named after the event, audited as webhook', async () => {
    const h = harness([synced('30', 35)]);
    const outcome = await h.run({
      id: 'e2',
      action: 'change',
      orgId: 35,
      current: { name: 'Customer 30', customFields: { ...written('30'), k_open: { value: 1.23, currency: 'USD' } } },
      previousCustomFields: { k_open: { value: 12258.8, currency: 'USD' } },
    });
    expect(outcome.findings).toEqual(['drift']);
    expect(
      h.sent.map((message) => [message.body.id, message.body.repush, message.body.source, message.body.eventId]),
    ).toEqual([['30', true, 'webhook', 'pipedrive-webhook:e2>30']]);
    expect(h.audit).toEqual([expect.objectContaining({ qboId: '30', source: 'webhook', action: 'found' })]);
  });

  it('does not judge a standard field the payload left out (data carries only crucial fields)', async () => {
    const h = harness([synced('30', 35)]);
    const outcome = await h.run({ id: 'e3', action: 'change', orgId: 35, current: { customFields: written('30') } });
    expect(outcome.findings).toEqual([]);
  });

  it('follows a merge told by the delete’s merged_to_id, reading the links for the survivor’s owner', async () => {
    const h = harness([synced('30', 35)]);
    const outcome = await h.run({ id: 'e4', action: 'delete', orgId: 35, mergedToId: 12 });
    expect(outcome.findings).toEqual(['merged']);
    expect(h.calls).toEqual([['repoint', REALM, '30', 12, NOW]]);
    expect(h.pagesRead()).toBe(1);
  });

  it('follows a merge into another customer’s organization as a "merged into" link, the owner untouched (decision 64)', async () => {
    const h = harness([synced('30', 35), synced('34', 10)]);
    const outcome = await h.run({ id: 'e5', action: 'delete', orgId: 35, mergedToId: 10 });
    expect(outcome.findings).toEqual(['merged']);
    expect(h.calls).toEqual([['repoint', REALM, '30', 10, NOW, '34']]);
    expect(h.audit).toEqual([
      expect.objectContaining({
        qboId: '30',
        source: 'webhook',
        note: expect.stringContaining('--recreate') as unknown,
      }),
    ]);
  });

  it('follows a merge from the survivor’s change when it comes before the loser’s delete', async () => {
    const h = harness([synced('30', 35)]);
    const outcome = await h.run({
      id: 'e6',
      action: 'change',
      orgId: 12,
      mergedFromId: 35,
      current: { name: 'Sales team', customFields: { k_qbo: `${REALM}:30` } },
    });
    expect(outcome.findings).toEqual(['merged']);
    expect(h.calls).toEqual([['repoint', REALM, '30', 12, NOW]]);
  });

  it('applies the deletion rule to a plain delete, finding the customer by its organization', async () => {
    const h = harness([synced('30', 35)]);
    const outcome = await h.run({ id: 'e7', action: 'delete', orgId: 35 });
    expect(outcome.findings).toEqual(['deleted']);
    expect(h.calls).toEqual([['markState', REALM, '30', 'excluded', 'deleted in Pipedrive', NOW]]);
  });

  it('ignores the delete of an organization no customer is linked to', async () => {
    const h = harness([synced('30', 35)]);
    expect((await h.run({ id: 'e8', action: 'delete', orgId: 99 })).findings).toEqual([]);
    expect(h.calls).toEqual([]);
  });

  it('holds a QuickBooks ID copied onto another organization, without moving the link', async () => {
    const h = harness([synced('51', 60)]);
    const outcome = await h.run({
      id: 'e9',
      action: 'create',
      orgId: 89,
      current: { name: 'Copy', customFields: { k_qbo: `${REALM}:51` } },
    });
    expect(outcome.findings).toEqual(['duplicateIdentity']);
    expect(h.calls).toEqual([['markState', REALM, '51', 'review', expect.stringContaining('60, 89'), NOW]]);
  });

  it('restores a QuickBooks ID cleared on the linked organization (told by previous)', async () => {
    const h = harness([synced('30', 35)]);
    const { k_qbo: _cleared, ...rest } = written('30');
    const outcome = await h.run({
      id: 'e10',
      action: 'change',
      orgId: 35,
      current: { name: 'Customer 30', customFields: rest },
      previousCustomFields: { k_qbo: `${REALM}:30` },
    });
    expect(outcome.findings).toEqual(['identityChanged']);
    expect(h.sent.map((message) => message.body.id)).toEqual(['30']);
  });

  it('leaves an excluded customer alone', async () => {
    const h = harness([{ ...synced('30', 35), state: 'excluded' }]);
    expect((await h.run({ id: 'e11', action: 'delete', orgId: 35 })).findings).toEqual([]);
  });
});
