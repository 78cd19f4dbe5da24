import { qualifiedQuickbooksId } from '../../functions/sync/quickbooks-identity';
import { control } from '../helpers/quickbooks-sandbox';
import { type SyncHarness, startSyncHarness } from '../helpers/sync-harness';
import type { SyncMessage } from '../../functions/sync/sync-message';

type Customer = { Id: string } & Record<string, unknown>;

/** A point in one worker's path where it stops until the test lets it go on. */
interface Gate {
  /** Resolves once the worker has reached the gate. */
  reached: Promise<void>;
  open(): void;
}

/**
 * `target` with `method` held at a gate on its first call, before the call is forwarded, so a test
 * can run another worker in between: a slow worker under CPU load, a Lambda cold start or a GC
 * pause, without any sleep.
 */
function gated<T extends object>(target: T, method: string): [T, Gate] {
  let arrive: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let used = false;
  const proxy = new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (property !== method || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (!used) {
          used = true;
          arrive();
          await opened;
        }
        return Reflect.apply(value, object, args) as unknown;
      };
    },
  });
  return [proxy, { reached, open }];
}

/**
 * Issue #13: the duplicate organization under CPU load. Each test forces one interleaving of two
 * real workers (real calls to both sandboxes and DynamoDB Local) that timing alone produced in the
 * chaos run, and checks that one QBO customer still ends with exactly one organization.
 */
describe('creating an organization while another worker works on the same customer', () => {
  let h: SyncHarness;
  beforeEach(async () => {
    h = await startSyncHarness();
  });
  afterEach(() => h.close());

  const create = async (name: string): Promise<Customer> => {
    const result = await control(h.qboSandbox, 'POST', `/realms/${h.realmId}/customers`, {
      DisplayName: name,
      CompanyName: name,
    });
    if (result.status !== 200) throw new Error(JSON.stringify(result.body));
    return (result.body as { Customer: Customer }).Customer;
  };
  const allOrgs = () => [...h.pipedriveSandbox.store.organizations.values()];
  const liveOrgs = () => allOrgs().filter((o) => !o.is_deleted);
  const settle = <T>(promise: Promise<T>) =>
    promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  /** What SQS does with a message until it is deleted: deliver it again (a few times at most here). */
  const deliverUntilDone = async (message: SyncMessage) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      h.clock.advance(1000);
      const result = await settle(h.run([message]));
      if (result.ok) return result.value[0];
    }
    throw new Error(`message ${message.eventId} never succeeded`);
  };
  const expectOneOrganization = async (qboId: string) => {
    const orgs = liveOrgs();
    expect(orgs.map((org) => org.custom_fields[h.fields.fieldKeys.quickbooksId ?? ''])).toEqual([
      qualifiedQuickbooksId(h.realmId, qboId),
    ]);
    expect(await h.links.get(h.realmId, qboId)).toMatchObject({ state: 'synced', orgId: orgs[0]?.id });
  };

  it('makes one organization when SQS hands the message to a second worker while the first still creates', async () => {
    const customer = await create('Redelivered Co');
    const message = h.message(customer.Id);
    const [slowPipedrive, gate] = gated(h.pipedrive, 'createOrganization');
    const slow = h.sync({}, { pipedrive: slowPipedrive });
    const first = settle(slow.prepare([message]).then((prepared) => slow.sync(message, prepared)));
    await gate.reached;
    // The visibility timeout ran out while the first receive was still working: the same message again.
    await settle(h.run([message]));
    gate.open();
    await first;
    await deliverUntilDone(message);
    await expectOneOrganization(customer.Id);
    // The redelivery waited for the live claim: no second create was even sent.
    expect(allOrgs()).toHaveLength(1);
  });

  it('makes one organization when a stale claim is taken over while its owner is alive but slow', async () => {
    const customer = await create('Starved Co');
    const message = h.message(customer.Id);
    const [slowPipedrive, gate] = gated(h.pipedrive, 'createOrganization');
    const slow = h.sync({}, { pipedrive: slowPipedrive });
    const first = settle(slow.prepare([message]).then((prepared) => slow.sync(message, prepared)));
    await gate.reached;
    // Long enough for the claim to count as stale: another message of the customer takes it over.
    h.clock.advance(121_000);
    const other = h.message(customer.Id, { source: 'cdc' });
    await settle(h.run([other]));
    gate.open();
    await first;
    await deliverUntilDone(message);
    await deliverUntilDone(other);
    await expectOneOrganization(customer.Id);
    // The slow owner's create went out after the takeover; it deleted what it made.
    expect(allOrgs().filter((org) => org.is_deleted)).toHaveLength(1);
    expect((await h.links.get(h.realmId, customer.Id))?.strayOrgIds).toBeUndefined();
  });

  it('makes one organization when a worker read the link before another created and synced it', async () => {
    const customer = await create('Late Claim Co');
    const message = h.message(customer.Id);
    const [slowLinks, gate] = gated(h.links, 'claimCreate');
    const slow = h.sync({}, { links: slowLinks });
    const first = settle(slow.prepare([message]).then((prepared) => slow.sync(message, prepared)));
    await gate.reached;
    // The slow worker saw no link; meanwhile another message creates and syncs the organization.
    const other = h.message(customer.Id, { source: 'reconcile' });
    await h.run([other]);
    gate.open();
    await first;
    await deliverUntilDone(message);
    await expectOneOrganization(customer.Id);
  });

  it('finds the organization a lost create answer left behind even when search has not indexed it yet', async () => {
    const customer = await create('Lost Answer Co');
    // Search lag is unverified (FACTS §4): the sandbox's search sees a change five minutes late.
    h.pipedriveSandbox.config.searchIndexLagMs = 300_000;
    h.pipedriveSandbox.faults.add({ method: 'POST', path: '^/api/v2/organizations$', loseResponse: true, count: 1 });
    const message = h.message(customer.Id);
    expect((await settle(h.run([message]))).ok).toBe(false);
    expect(liveOrgs()).toHaveLength(1);
    const retry = await deliverUntilDone(message);
    expect(retry?.action).toBe('updated');
    await expectOneOrganization(customer.Id);
  });

  it('keeps the organization a taker adopted when its slow creator comes back', async () => {
    const customer = await create('Adopted Co');
    const message = h.message(customer.Id);
    // The slow worker's create went through; it stops before recording the organization.
    const [slowLinks, gate] = gated(h.links, 'recordOrganization');
    const slow = h.sync({}, { links: slowLinks });
    const first = settle(slow.prepare([message]).then((prepared) => slow.sync(message, prepared)));
    await gate.reached;
    h.clock.advance(121_000);
    const other = h.message(customer.Id, { source: 'cdc' });
    expect(await h.run([other])).toMatchObject([{ action: 'updated' }]);
    gate.open();
    await first;
    await deliverUntilDone(message);
    await expectOneOrganization(customer.Id);
  });
});
