import { DEFAULT_MAPPING } from '../../../functions/sync/default-mapping';
import {
  findPipedriveDifferences,
  type FindingInput,
  type ListedPerson,
  type ReconcileLinkView,
} from '../../../functions/sync/pipedrive-findings';
import type { ListedOrganization } from '../../../functions/sync/pipedrive-drift';

const REALM = '9130';
const KEYS = {
  quickbooksId: 'k_qbo',
  openBalance: 'k_open',
  overdueBalance: 'k_overdue',
  paymentTerms: 'k_terms',
  quickbooksStatus: 'k_status',
  quickbooksLink: 'k_link',
};
const fields = { fieldKeys: KEYS, fieldOptions: { quickbooksStatus: { Active: 1, Inactive: 2, Merged: 3 } } };

/** What the worker records as pushed for customer `qboId` (the mapped payload, enum labels). */
function pushed(qboId: string, name = `Customer ${qboId}`) {
  return {
    organization: {
      name,
      address: { value: '1 Main St, Springfield', route: 'Main St' },
      quickbooksId: `${REALM}:${qboId}`,
      openBalance: { value: 12258.8, currency: 'USD' },
      overdueBalance: { value: 0, currency: 'USD' },
      paymentTerms: 'Net 30',
      quickbooksStatus: 'Active',
      quickbooksLink: `https://app.qbo.intuit.com/app/customerdetail?nameId=${qboId}`,
    },
    person: { name: 'Pat' },
  };
}

/** The organization as Pipedrive lists it after that push (keys, option ids). */
function listed(id: number, qboId: string, changes: Partial<ListedOrganization> = {}): ListedOrganization {
  const organization = pushed(qboId).organization;
  return {
    id,
    name: organization.name,
    address: { value: organization.address.value },
    customFields: {
      k_qbo: organization.quickbooksId,
      k_open: { value: 12258.8, currency: 'USD' },
      k_overdue: { value: 0, currency: 'USD' },
      k_terms: 'Net 30',
      k_status: 1,
      k_link: organization.quickbooksLink,
    },
    ...changes,
  };
}

function link(qboId: string, orgId: number, personId?: number): ReconcileLinkView {
  return { qboId, state: 'synced', orgId, ...(personId !== undefined ? { personId } : {}), pushed: pushed(qboId) };
}

function find(input: Partial<FindingInput> & Pick<FindingInput, 'organizations' | 'links'>) {
  return findPipedriveDifferences({
    identity: { realmId: REALM, ownsBareIds: false },
    fields,
    document: DEFAULT_MAPPING,
    persons: undefined,
    ...input,
  });
}

const persons = (...list: ListedPerson[]) => new Map(list.map((person) => [person.id, person]));

describe('the Pipedrive-side reconcile findings (decision 62)', () => {
  it('finds nothing when every linked organization is as pushed', () => {
    expect(
      find({ organizations: [listed(10, '34'), listed(35, '30')], links: [link('34', 10), link('30', 35)] }),
    ).toEqual([]);
  });

  it('tells a merge by the linked person now on the survivor, and names the survivor’s own customer', () => {
    const findings = find({
      organizations: [listed(10, '34')],
      links: [link('34', 10, 500), link('30', 35, 501)],
      persons: persons({ id: 500, orgId: 10 }, { id: 501, orgId: 10 }),
    });
    expect(findings).toEqual([
      { kind: 'merged', qboId: '30', orgId: 35, survivorId: 10, evidence: 'person', survivorOwner: '34' },
    ]);
  });

  it('judges a "merged into" link by its person only: the organization is its owner’s (decision 64)', () => {
    // Customer 30 follows the survivor 10, customer 34's: 34's identity and fields there are no drift of 30's.
    const guest: ReconcileLinkView = { ...link('30', 10, 501), orgOwner: '34' };
    expect(
      find({
        organizations: [listed(10, '34')],
        links: [guest, link('34', 10)],
        persons: persons({ id: 501, orgId: 10 }),
      }),
    ).toEqual([]);
    // The owner keeps its own findings (an edit to 10 is 34's drift); the guest's moved person is still found.
    expect(
      find({
        organizations: [listed(10, '34', { name: 'Edited' })],
        links: [guest, link('34', 10)],
        persons: persons({ id: 501, orgId: 77 }),
      }),
    ).toEqual([
      { kind: 'personMoved', qboId: '30', orgId: 10, personId: 501, movedTo: 77 },
      { kind: 'drift', qboId: '34', orgId: 10, fields: ['name'] },
    ]);
  });

  it('names the owner of a survivor, never a customer merged into it before (decision 64)', () => {
    const guest: ReconcileLinkView = { ...link('31', 10), orgOwner: '34' };
    // Listed after the owner's, the guest's link must not make 31 the survivor's owner.
    expect(
      find({
        organizations: [listed(10, '34')],
        links: [link('34', 10), link('30', 35, 502), guest],
        persons: persons({ id: 502, orgId: 10 }),
      }),
    ).toEqual([{ kind: 'merged', qboId: '30', orgId: 35, survivorId: 10, evidence: 'person', survivorOwner: '34' }]);
  });

  it('keeps a "merged into" link with its owner when the survivor is merged on (decision 64)', () => {
    // 30 is on 34's organization 10; a rep merges 10 into 12, a rep's organization with an identity of its own.
    const guest: ReconcileLinkView = { ...link('30', 10, 501), orgOwner: '34' };
    const [finding] = find({
      organizations: [listed(12, '77')],
      links: [guest],
      persons: persons({ id: 501, orgId: 12 }),
    });
    expect(finding).toEqual({
      kind: 'merged',
      qboId: '30',
      orgId: 10,
      survivorId: 12,
      evidence: 'person',
      survivorOwner: '34',
    });
  });

  it('tells a merge by merged_into_id when the listing shows the deleted organization', () => {
    const findings = find({
      organizations: [listed(10, '34'), listed(35, '30', { isDeleted: true, mergedIntoId: 10 })],
      links: [link('30', 35)],
    });
    expect(findings).toEqual([{ kind: 'merged', qboId: '30', orgId: 35, survivorId: 10, evidence: 'merged_into_id' }]);
  });

  it('tells a merge into an unlinked organization by the identity the survivor took over', () => {
    const findings = find({ organizations: [listed(12, '30')], links: [link('30', 35)] });
    expect(findings).toEqual([{ kind: 'merged', qboId: '30', orgId: 35, survivorId: 12, evidence: 'identity' }]);
  });

  it('counts a linked organization gone with no trace of a merge as deleted', () => {
    const findings = find({
      organizations: [listed(10, '34')],
      links: [link('34', 10), link('30', 35, 501)],
      persons: persons(),
    });
    expect(findings).toEqual([{ kind: 'deleted', qboId: '30', orgId: 35 }]);
  });

  it('finds hand edits to owned fields, and only those', () => {
    const edited = listed(10, '34', { address: { value: '9 Other Rd' } });
    const findings = find({
      organizations: [
        { ...edited, customFields: { ...edited.customFields, k_open: { value: 1.23, currency: 'USD' }, k_status: 2 } },
      ],
      links: [link('34', 10)],
    });
    expect(findings).toEqual([
      { kind: 'drift', qboId: '34', orgId: 10, fields: ['address', 'openBalance', 'quickbooksStatus'] },
    ]);
  });

  it('reads option labels and a monetary amount sent as text the same as what was pushed', () => {
    const org = listed(10, '34');
    const labelled = {
      ...org.customFields,
      k_status: { id: 1, label: 'Active' },
      k_open: { value: '12258.80', currency: 'USD' },
    };
    expect(find({ organizations: [{ ...org, customFields: labelled }], links: [link('34', 10)] })).toEqual([]);
  });

  it('finds two organizations carrying one QuickBooks identity, with the linked one named', () => {
    const findings = find({ organizations: [listed(10, '51'), listed(89, '51')], links: [link('51', 10)] });
    expect(findings).toEqual([{ kind: 'duplicateIdentity', qboId: '51', orgIds: [10, 89], linkedOrgId: 10 }]);
  });

  it('finds a duplicate identity of a customer with no link', () => {
    const findings = find({ organizations: [listed(10, '51'), listed(89, '51')], links: [] });
    expect(findings).toEqual([{ kind: 'duplicateIdentity', qboId: '51', orgIds: [10, 89], linkedOrgId: undefined }]);
  });

  it.each([
    ['cleared', null, undefined],
    ['changed to another customer', `${REALM}:77`, `${REALM}:77`],
    ['changed to another realm', `4620:34`, `4620:34`],
  ])('finds a linked organization whose identity was %s', (_, value, found) => {
    const org = listed(10, '34');
    const findings = find({
      organizations: [{ ...org, customFields: { ...org.customFields, k_qbo: value } }],
      links: [link('34', 10)],
    });
    expect(findings).toEqual([{ kind: 'identityChanged', qboId: '34', orgId: 10, found }]);
  });

  it('finds a linked person deleted or moved to another organization', () => {
    const findings = find({
      organizations: [listed(10, '34'), listed(11, '35'), listed(12, '36')],
      links: [link('34', 10, 500), link('35', 11, 501), link('36', 12, 502)],
      persons: persons({ id: 500, orgId: 10 }, { id: 501, orgId: 99 }, { id: 502, orgId: 12, isDeleted: true }),
    });
    expect(findings).toEqual([
      { kind: 'personMoved', qboId: '35', orgId: 11, personId: 501, movedTo: 99 },
      { kind: 'personDeleted', qboId: '36', orgId: 12, personId: 502 },
    ]);
  });

  it('leaves excluded customers and links with no organization alone', () => {
    const findings = find({
      organizations: [],
      links: [
        { ...link('30', 35), state: 'excluded' },
        { qboId: '31', state: 'pending' },
      ],
    });
    expect(findings).toEqual([]);
  });
});
