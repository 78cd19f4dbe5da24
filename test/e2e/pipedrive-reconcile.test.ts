import { AuditLog } from '../../functions/store/audit-log';
import { LinkStore } from '../../functions/store/link-store';
import { tableNamed } from '../../functions/store/table-client';
import { control } from '../helpers/quickbooks-sandbox';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { startCliStack } from './cli-stack';
import { untilWithin } from '../helpers/until';

const conformance = guardPipedriveConformance();

type Started = Awaited<ReturnType<typeof startCliStack>>;

const until = untilWithin(60_000);

/** Issue 19's findings 1–4, made by hand in Pipedrive as a sales rep would, then the Pipedrive-side reconcile (decision 62). */
describe('the Pipedrive-side reconcile on the local stack', () => {
  let started: Started;
  beforeAll(async () => {
    started = await startCliStack(1);
  }, 60_000);
  afterAll(() => started.stack.close());

  it('follows a merge, respects a deletion, rewrites a hand edit and holds a copied QuickBooks ID without moving the link', async () => {
    const { stack, cli } = started;
    const realm = stack.qbo.describe().realmId;
    const customer = async (name: string) => {
      const result = await control(stack.qbo, 'POST', `/realms/${realm}/customers`, {
        DisplayName: name,
        CompanyName: name,
        PrimaryEmailAddr: { Address: `ap@${name.toLowerCase().replace(/[^a-z]/g, '')}.example` },
        BillAddr: { Line1: '1 Original Way', City: 'Springfield', CountrySubDivisionCode: 'IL', PostalCode: '62701' },
      });
      return (result.body as { Customer: { Id: string } }).Customer.Id;
    };
    const mergedAway = await customer('Merged Away Co');
    const mergedIntoOther = await customer('Merged Into Other Co');
    const survivorOwner = await customer('Survivor Owner Co');
    const deleted = await customer('Deleted By Rep Co');
    const edited = await customer('Edited By Hand Co');
    const copied = await customer('Copied Id Co');
    await stack.connect();
    const backfill = await cli('backfill', '--wait-seconds', '90');
    expect(backfill.code).toBe(0);

    const links = new LinkStore(tableNamed(stack.tableName));
    const audit = new AuditLog(tableNamed(stack.tableName), 90);
    const key = (name: string) =>
      stack.pipedrive.store.customFields('organization').find((field) => field.field_name === name)?.field_code ?? '';
    const identity = (id: string) => `${realm}:${id}`;
    const live = () => [...stack.pipedrive.store.organizations.values()].filter((org) => !org.is_deleted);
    const carrying = (id: string) => live().filter((org) => org.custom_fields[key('QuickBooks ID')] === identity(id));
    const orgOf = async (id: string) => {
      const orgId = (await links.get(realm, id))?.orgId;
      if (orgId === undefined) throw new Error(`customer ${id} has no organization`);
      return orgId;
    };
    for (const id of [mergedAway, mergedIntoOther, survivorOwner, deleted, edited, copied])
      await until(async () => (await links.get(realm, id))?.state === 'synced', `customer ${id} synced`);
    const original = {
      mergedAway: await orgOf(mergedAway),
      mergedIntoOther: await orgOf(mergedIntoOther),
      survivorOwner: await orgOf(survivorOwner),
      deleted: await orgOf(deleted),
      edited: await orgOf(edited),
      copied: await orgOf(copied),
    };
    const editedBefore = stack.pipedrive.store.organization(original.edited);
    const addressBefore = editedBefore?.address?.value;
    const balanceBefore = editedBefore?.custom_fields[key('Open balance')];

    // What reps do in Pipedrive (as users, with the company's API token).
    const { apiBaseUrl, apiToken } = stack.pipedrive.describe();
    const rep = async (method: string, path: string, body?: object) => {
      const response = await fetch(`${apiBaseUrl}${path}`, {
        method,
        headers: { 'x-api-token': apiToken, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { data: { id: number } };
    };
    // 1. Merges: into an organization of the rep's with no QuickBooks ID, and into another customer's.
    const salesOrg = (await rep('POST', '/api/v2/organizations', { name: 'Merged Away (sales team)' })).data.id;
    await rep('PUT', `/api/v1/organizations/${original.mergedAway}/merge`, { merge_with_id: salesOrg });
    await rep('PUT', `/api/v1/organizations/${original.mergedIntoOther}/merge`, {
      merge_with_id: original.survivorOwner,
    });
    // 2. A deletion.
    await rep('DELETE', `/api/v2/organizations/${original.deleted}`);
    // 3. Hand edits to owned fields: the address and the open balance.
    await rep('PATCH', `/api/v2/organizations/${original.edited}`, {
      address: { value: '9 Hand Edit Road' },
      custom_fields: { [key('Open balance')]: { value: 1.23, currency: 'USD' } },
    });
    // 4. A copied QuickBooks ID on a new organization.
    const copy = (
      await rep('POST', '/api/v2/organizations', {
        name: 'Copied Id Co (rep copy)',
        custom_fields: { [key('QuickBooks ID')]: identity(copied) },
      })
    ).data.id;
    const organizationsBefore = live().length;

    const reconciled = await cli('reconcile', '--pipedrive', '--json');
    expect(reconciled.code).toBe(0);
    const report = (JSON.parse(reconciled.out) as { connections: { pipedrive?: Record<string, unknown> }[] })
      .connections[0]?.pipedrive;
    expect(report).toMatchObject({
      findings: { merged: 2, deleted: 1, drift: 1, duplicateIdentity: 1 },
      relinked: 2,
      excluded: 1,
      held: 1,
    });
    // Listing 7 organizations and the persons: one page each, 10 tokens a page.
    expect(report?.pipedriveTokens).toBe(20);

    // The merge into the rep's organization is followed: re-linked and written there, nothing created.
    await until(
      () => stack.pipedrive.store.organization(salesOrg)?.name === 'Merged Away Co',
      'the survivor written with the merged customer',
    );
    expect(carrying(mergedAway).map((org) => org.id)).toEqual([salesOrg]);
    expect(await links.get(realm, mergedAway)).toMatchObject({ orgId: salesOrg });
    // The merge into another customer's organization is followed as a "merged into" link (decision 64):
    // the survivor stays the other customer's, the merged customer's person is kept there.
    const survivorBefore = stack.pipedrive.store.organization(original.survivorOwner);
    await until(
      async () => (await links.get(realm, mergedIntoOther))?.pushed !== undefined,
      'the merged customer repushed onto the survivor',
    );
    const guest = await links.get(realm, mergedIntoOther);
    expect(guest).toMatchObject({ state: 'synced', orgId: original.survivorOwner, orgOwner: survivorOwner });
    expect(stack.pipedrive.store.persons.get(guest?.personId ?? 0)).toMatchObject({ org_id: original.survivorOwner });
    expect(carrying(survivorOwner).map((org) => org.id)).toEqual([original.survivorOwner]);
    // A QBO change to the merged customer creates no organization and leaves the other customer's fields alone.
    await control(stack.qbo, 'PATCH', `/realms/${realm}/customers/${mergedIntoOther}`, {
      CompanyName: 'Merged Into Other Co 2',
      BillAddr: { Line1: '2 Changed Way', City: 'Springfield', CountrySubDivisionCode: 'IL', PostalCode: '62701' },
    });
    await until(
      async () =>
        (await audit.history(realm, mergedIntoOther, { limit: 5 })).entries.some(
          (entry) => entry.source !== 'reconcile' && entry.note?.startsWith('organization fields not written') === true,
        ),
      'the change to the merged customer written to its person only',
    );
    const survivorAfter = stack.pipedrive.store.organization(original.survivorOwner);
    expect(survivorAfter?.name).toBe('Survivor Owner Co');
    expect(survivorAfter?.address).toEqual(survivorBefore?.address);
    expect(survivorAfter?.custom_fields).toEqual(survivorBefore?.custom_fields);
    // The deletion is respected.
    expect(await links.get(realm, deleted)).toMatchObject({ state: 'excluded', reason: 'deleted in Pipedrive' });
    // The hand edit is rewritten.
    await until(
      () => stack.pipedrive.store.organization(original.edited)?.address?.value === addressBefore,
      'the edited address rewritten',
    );
    expect(stack.pipedrive.store.organization(original.edited)?.custom_fields[key('Open balance')]).toEqual(
      balanceBefore,
    );
    // The copied id is held and the link not moved.
    expect(await links.get(realm, copied)).toMatchObject({ state: 'review', orgId: original.copied });

    // Operators see each finding with its customers and the command that resolves it (decision 64).
    const status = (await cli('status')).out;
    expect(status).toContain('Found in Pipedrive (reconcile of ');
    expect(status).toContain(
      `Deleted in Pipedrive: excluded: 1: ${deleted} (organization ${original.deleted} deleted)`,
    );
    expect(status).toContain(
      `Merged in Pipedrive: followed: 2: ${mergedAway} (organization ${original.mergedAway} merged into ${salesOrg}); ${mergedIntoOther} (organization ${original.mergedIntoOther} merged into ${original.survivorOwner} (customer ${survivorOwner}))`,
    );
    expect(status).toContain(`One QuickBooks ID on several organizations: held for review: 1: ${copied}`);
    expect(status).toContain(`Edited by hand in Pipedrive: rewritten: 1: ${edited} (edited: `);
    expect(status).toContain('resolve: ml-connector replay --customer ID --recreate');
    // A replay of the deleted customer from a script asks for --recreate and queues nothing.
    const replay = await cli('replay', '--customer', deleted);
    expect(replay.code).toBe(1);
    expect(replay.err).toContain('--recreate');
    expect(replay.out).not.toContain('queued');

    // A QBO change to the deleted customer creates nothing; the backfill the README suggests for
    // review rows moves no link either.
    await control(stack.qbo, 'PATCH', `/realms/${realm}/customers/${deleted}`, { CompanyName: 'Deleted By Rep Co 2' });
    await until(
      async () =>
        (await audit.history(realm, deleted, { limit: 5 })).entries.some(
          (entry) =>
            entry.source !== 'backfill' && entry.action === 'excluded' && entry.note === 'deleted in Pipedrive',
        ),
      'the change to the deleted customer seen and left alone',
    );
    const again = await cli('backfill', '--wait-seconds', '90');
    expect(again.code).toBe(0);
    expect(await links.get(realm, copied)).toMatchObject({ orgId: original.copied });
    expect(
      carrying(copied)
        .map((org) => org.id)
        .sort(),
    ).toEqual([original.copied, copy].sort());
    expect(carrying(deleted)).toEqual([]);
    expect(carrying(mergedIntoOther)).toEqual([]);
    // A second run finds only what still waits for a person, in words, and changes nothing.
    const second = await cli('reconcile', '--pipedrive');
    expect(second.code).toBe(0);
    const found = /Found in Pipedrive: (.*)/.exec(second.out)?.[1]?.split(', ').sort();
    expect(found).toEqual(['1 QuickBooks ID on several organizations']);
    expect(second.out).toContain('Re-linked 0, excluded 0, held for review 1, queued for a rewrite 0');
    // No duplicate was created anywhere, and the merged customer's contact was not copied.
    expect(live().length).toBe(organizationsBefore);
    const contacts = [...stack.pipedrive.store.persons.values()].filter(
      (person) => !person.is_deleted && person.emails.some((email) => email.value === 'ap@mergedintootherco.example'),
    );
    expect(contacts.map((person) => person.org_id)).toEqual([original.survivorOwner]);
    conformance.expectConforming();
  }, 240_000);
});
