import { setTimeout as delay } from 'node:timers/promises';
import { refValue, stringField } from '../../local/quickbooks/json';
import { QboValidationError } from '../../local/quickbooks/ledger-inputs';
import { SeededRandom } from '../../local/shared/random';
import type { LocalStack } from '../../local/stack/local-stack';

export interface StormOptions {
  realmId: string;
  edits: number;
  /** Real milliseconds the storm is spread over, so webhooks and workers overlap with it. */
  durationMs: number;
  seed?: number;
}

export interface StormSummary {
  edits: Record<string, number>;
  /** Edits QBO refused (a payment on a customer without open invoices, …): they change nothing. */
  refused: number;
}

const STREETS = ['Main St', 'Harbor Rd', 'Elm Ave', 'Market Street', 'Sierra Way'];
const CITIES: [string, string, string][] = [
  ['San Pablo', 'CA', '94806'],
  ['Portland', 'OR', '97201'],
  ['Austin', 'TX', '73301'],
  ['Boston', 'MA', '02108'],
];

type EditKind =
  | 'rename'
  | 'phone'
  | 'email'
  | 'address'
  | 'double edit'
  | 'invoice'
  | 'payment'
  | 'create'
  | 'deactivate'
  | 'reactivate'
  | 'merge';

const WEIGHTS: [EditKind, number][] = [
  ['rename', 20],
  ['phone', 12],
  ['email', 10],
  ['address', 12],
  ['double edit', 8],
  ['invoice', 12],
  ['payment', 8],
  ['create', 8],
  ['deactivate', 4],
  ['reactivate', 3],
  ['merge', 3],
];

/** A storm of realistic QBO edits, each announced by the sandbox's webhooks as in QBO. */
export async function runStorm(stack: LocalStack, options: StormOptions): Promise<StormSummary> {
  const random = new SeededRandom(options.seed ?? 2026);
  const ledger = stack.qbo.state.ledger(options.realmId);
  const company = ledger.company;
  const summary: StormSummary = { edits: {}, refused: 0 };
  const total = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  const pickKind = (): EditKind => {
    let roll = random.next() * total;
    for (const [kind, weight] of WEIGHTS) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return 'rename';
  };
  const topLevel = (active?: boolean) =>
    company
      .all('Customer')
      .filter((stored) => !stored.deleted && stored.record.Job !== true)
      .filter((stored) => active === undefined || (stored.record.Active !== false) === active)
      .map((stored) => stringField(stored.record, 'Id') ?? '');
  const parents = () =>
    new Set(
      company
        .all('Customer')
        .filter((stored) => !stored.deleted)
        .map((stored) => refValue(stored.record, 'ParentRef') ?? ''),
    );
  const today = new Date(stack.clock.now());
  const day = (offsetDays: number) => new Date(today.getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);

  const edit = (kind: EditKind, id: string, n: number) => {
    switch (kind) {
      case 'rename':
        ledger.updateCustomer(id, { CompanyName: `Storm Co ${id}-${n}` });
        return;
      case 'phone':
        ledger.updateCustomer(id, {
          PrimaryPhone: { FreeFormNumber: `(555) ${String(100 + (n % 900))}-${String(1000 + n).slice(-4)}` },
        });
        return;
      case 'email':
        ledger.updateCustomer(id, { PrimaryEmailAddr: { Address: `billing${n}@storm${id}.example.com` } });
        return;
      case 'address': {
        const [city, region, postal] = random.pick(CITIES);
        ledger.updateCustomer(id, {
          BillAddr: {
            Line1: `${random.int(1, 999)} ${random.pick(STREETS)}`,
            City: city,
            CountrySubDivisionCode: region,
            PostalCode: postal,
            Country: 'USA',
          },
        });
        return;
      }
      case 'double edit':
        // Two versions in quick succession: a reordered or duplicated delivery must not leave the older one.
        ledger.updateCustomer(id, { CompanyName: `Storm Twice ${id}-${n}a` });
        ledger.updateCustomer(id, { CompanyName: `Storm Twice ${id}-${n}b` });
        return;
      case 'invoice':
        ledger.createInvoice({ customerId: id, amount: random.int(50, 5000), dueDate: day(random.int(-40, 30)) });
        return;
      case 'payment':
        ledger.createPayment({ customerId: id, amount: random.int(10, 500) });
        return;
      case 'create':
        ledger.createCustomer({
          DisplayName: `Storm New ${n}`,
          CompanyName: `Storm New ${n}`,
          PrimaryEmailAddr: { Address: `ap@new${n}.example.com` },
        });
        return;
      case 'deactivate':
        ledger.deactivateCustomer(id);
        return;
      case 'reactivate': {
        const inactive = topLevel(false);
        if (inactive.length > 0) ledger.reactivateCustomer(random.pick(inactive));
        return;
      }
      case 'merge': {
        const withChildren = parents();
        const candidates = topLevel(true).filter((id) => !withChildren.has(id));
        const loser = random.pick(candidates);
        const survivor = random.pick(candidates);
        if (loser !== survivor) ledger.mergeCustomers(loser, survivor);
        return;
      }
    }
  };

  const perTick = Math.max(1, Math.ceil(options.edits / Math.max(1, options.durationMs / 100)));
  for (let n = 0; n < options.edits; n++) {
    const kind = pickKind();
    const active = topLevel(true);
    try {
      edit(kind, random.pick(active), n);
      summary.edits[kind] = (summary.edits[kind] ?? 0) + 1;
    } catch (error) {
      if (!(error instanceof QboValidationError)) throw error;
      summary.refused++;
    }
    if (n % perTick === perTick - 1) await delay(100);
  }
  return summary;
}
