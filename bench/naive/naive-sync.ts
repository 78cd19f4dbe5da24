import { RateLimitedError } from '../../functions/shared/errors';
import type { PipedriveClient } from '../../functions/pipedrive/client';
import type { QuickBooksClient } from '../../functions/quickbooks/client';
import type { MappingOptions } from '../../functions/sync/mapping';
import { mapCustomer } from '../../functions/sync/mapping-engine';
import { type FieldKeys, organizationBody } from '../../functions/sync/pipedrive-body';

const MAX_ATTEMPTS = 5;

export type NaiveOutcome = 'created' | 'updated' | 'missing';

/**
 * The naive baseline of docs/performance.md#the-floors, with the connector's own clients and mapping: for
 * every webhook event, read the customer from QBO, search Pipedrive for an organization with its
 * name, then create or update it. No links, no fingerprints, no batching. It writes only the
 * organization (not the contact person the connector also keeps), which flatters it.
 */
export class NaiveSync {
  constructor(
    private readonly deps: {
      qbo: QuickBooksClient;
      pipedrive: PipedriveClient;
      fields: FieldKeys;
      options: MappingOptions;
      realmId: string;
      /** Waits out a 429 (a sane naive sync retries rather than drops the event). */
      sleep: (ms: number) => Promise<void>;
    },
  ) {}

  async handle(event: { id: string }): Promise<NaiveOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(event);
      } catch (error) {
        if (!(error instanceof RateLimitedError) || attempt >= MAX_ATTEMPTS) throw error;
        await this.deps.sleep(Math.max(1000, error.retryAfterMs));
      }
    }
  }

  private async once(event: { id: string }): Promise<NaiveOutcome> {
    const { qbo, pipedrive, fields, options } = this.deps;
    const read = await qbo.readCustomers([event.id]);
    const customer = read.customers[0];
    if (!customer) return 'missing';
    const mapped = mapCustomer(
      customer,
      {
        realmId: this.deps.realmId,
        status: customer.Active ? 'Active' : 'Inactive',
        overdueBalance: 0,
        paymentTerms: undefined,
      },
      options,
    );
    const body = organizationBody(mapped.organization, fields);
    const found = await pipedrive.findOrganizationIdsByField('name', mapped.organization.name);
    const existing = found[0];
    if (existing === undefined) {
      await pipedrive.createOrganization(body);
      return 'created';
    }
    await pipedrive.updateOrganization(existing, body);
    return 'updated';
  }
}

/** Runs `work` over `items` with at most `concurrency` at once (a worker pool). */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, run));
}
