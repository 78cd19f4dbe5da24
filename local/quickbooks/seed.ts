import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { SeededRandom } from '../shared/random';
import type { Company } from './company';
import { isJsonObject, type JsonObject, JsonObjectSchema, type JsonValue, JsonValueSchema, stringField } from './json';
import type { Ledger } from './ledger';
import type { CustomerInput } from './ledger-inputs';
import { DAY_MS, formatLocalDate } from './time';

const COMPANY_STEMS = [
  'Acme',
  'Blue Harbor',
  'Northwind',
  'Summit',
  'Cedar & Pine',
  'Brightline',
  'Ironclad',
  'Golden Gate',
  'Redwood',
  'Silver Birch',
  'Keystone',
  'Lakeside',
  'Evergreen',
  'Harbor Light',
  'Pioneer',
  'Riverbend',
  'Starling',
  'Granite',
  "O'Brien's",
  "Amy's",
  "Dunn's",
  'Müller & Söhne',
  'Café Zoë',
  'Åkerlund',
  'Łódź Logistics',
  'Señor Taco',
  'Þór',
  '東京商事',
  'Société Générale du Nord',
  'Nørrebro',
  'Ελληνική',
  'Straße & Co',
  'Ümit',
  'Zürich Re',
  'São Paulo',
];
const COMPANY_KINDS = [
  'Consulting',
  'Landscaping',
  'Bakery',
  'Logistics',
  'Dental Care',
  'Software',
  'Hardware',
  'Design Studio',
  'Catering',
  'Marine Supply',
  'Print Shop',
  'Builders',
  'Medical Supplies',
  'Travel Agency',
  'Fitness',
  'Plumbing',
];
const COMPANY_SUFFIXES = ['', '', ' LLC', ' Inc.', ' Ltd', ' GmbH', ' S.A.', ' & Partners', ' Co.', ' Pty Ltd'];
const GIVEN_NAMES = [
  'Amy',
  'José',
  'Zoë',
  'Łukasz',
  'Siobhán',
  'Björn',
  'Mei',
  'Olúwadámilọ́lá',
  'Renée',
  'Jürgen',
  'Aisha',
  'Dmitri',
  'Chloé',
  'Sean',
  'Priya',
  'Kenji',
  'Ngozi',
  'Mateo',
  'Hana',
  'Liam',
];
const FAMILY_NAMES = [
  "O'Neil",
  'García',
  'Wróbel',
  'Ní Bhriain',
  'Åström',
  '李',
  'Müller',
  'Dubois',
  'Nakamura',
  "D'Angelo",
  'Okafor',
  'Ivanova',
  'Smith',
  'Kowalski',
  'Nguyễn',
  'Schmidt',
  'Rossi',
  'Haddad',
  'Brown',
  'Tanaka',
];
const STREETS = [
  'Court St.',
  'Main Street',
  'Finch St.',
  'Ocean View Road',
  'Hauptstraße',
  'Rue de Rivoli',
  'Calle Mayor',
  'Elm Avenue',
  'Harbour Rd',
  'Twin Lane',
];
const PLACES = [
  { City: 'Tucson', CountrySubDivisionCode: 'AZ', PostalCode: '85719', Country: 'USA' },
  { City: 'Bayshore', CountrySubDivisionCode: 'CA', PostalCode: '94326', Country: 'USA' },
  { City: 'Toronto', CountrySubDivisionCode: 'ON', PostalCode: 'M5V 2T6', Country: 'CAN' },
  { City: 'London', CountrySubDivisionCode: 'Greater London', PostalCode: 'EC1A 1BB', Country: 'GBR' },
  { City: 'München', CountrySubDivisionCode: 'BY', PostalCode: '80331', Country: 'DEU' },
  { City: 'Paris', CountrySubDivisionCode: 'IDF', PostalCode: '75001', Country: 'FRA' },
  { City: 'Sydney', CountrySubDivisionCode: 'NSW', PostalCode: '2000', Country: 'AUS' },
  { City: 'Austin', CountrySubDivisionCode: 'TX', PostalCode: '78701', Country: 'USA' },
];
const STANDARD_TERMS = [
  { Name: 'Due on receipt', DueDays: 0 },
  { Name: 'Net 15', DueDays: 15 },
  { Name: 'Net 30', DueDays: 30 },
  { Name: 'Net 60', DueDays: 60 },
  { Name: '1% 10 Net 30', DueDays: 30, DiscountPercent: 1, DiscountDays: 10 },
];

export interface GeneratedSeedOptions {
  count: number;
  seed: number;
}

/**
 * Seeds a company with `count` realistic customers from a deterministic seed: companies and
 * individuals, sub-customers up to four levels, inactive ones, Unicode and apostrophes in names,
 * several comma-separated emails, five-line addresses, `Lat: "INVALID"`, ISO-3 countries, terms,
 * and invoices and payments that give open and overdue balances. Announces nothing (it is history).
 */
export function seedGenerated(ledger: Ledger, options: GeneratedSeedOptions): { customers: number; invoices: number } {
  const company = ledger.company;
  const random = new SeededRandom(options.seed);
  const now = company.now();
  let invoices = 0;
  company.quietly(() => {
    const termIds = ensureTerms(ledger);
    const parents: { id: string; level: number }[] = [];
    const usedNames = new Set(
      company.all('Customer').map((stored) => (stringField(stored.record, 'DisplayName') ?? '').toLowerCase()),
    );
    for (let i = 0; i < options.count; i++) {
      const createdAt = now - random.int(30, 720) * DAY_MS - random.int(0, DAY_MS - 1);
      const parent = parents.length > 0 && random.chance(0.12) ? random.pick(parents) : undefined;
      const input =
        parent && parent.level < 4
          ? subCustomer(random, parent.id)
          : random.chance(0.7)
            ? companyCustomer(random)
            : individualCustomer(random);
      input.DisplayName = unique(input.DisplayName ?? `Customer ${i + 1}`, usedNames);
      if (random.chance(0.75)) input.SalesTermRef = { value: random.pick(termIds) };
      const created = ledger.createCustomer(input);
      const id = stringField(created, 'Id') ?? '';
      if (!parent && random.chance(0.3)) parents.push({ id, level: 0 });
      else if (parent && parent.level < 3) parents.push({ id, level: parent.level + 1 });

      const invoiceCount = random.chance(0.45) ? random.int(1, 3) : 0;
      for (let n = 0; n < invoiceCount; n++) {
        const txnAt = Math.max(createdAt, now - random.int(1, 120) * DAY_MS);
        const txnDate = formatLocalDate(txnAt, company.utcOffsetMinutes);
        const invoice = ledger.createInvoice({
          customerId: id,
          amount: random.int(50, 25_000) + random.int(0, 99) / 100,
          txnDate,
        });
        company.backdate('Invoice', stringField(invoice, 'Id') ?? '', txnAt, txnAt);
        invoices++;
      }
      if (invoiceCount > 0 && random.chance(0.4)) {
        const open = ledger.openInvoices(id)[0];
        const balance = open ? Number(open.Balance) : 0;
        if (balance > 0) {
          const payment = ledger.createPayment({
            customerId: id,
            amount: Math.round(balance * random.int(30, 100)) / 100,
          });
          company.backdate('Payment', stringField(payment, 'Id') ?? '', now - DAY_MS, now - DAY_MS);
          company.backdate('Invoice', stringField(open ?? {}, 'Id') ?? '', undefined, now - DAY_MS);
        }
      }
      if (random.chance(0.07)) ledger.deactivateCustomer(id);
      // Seeded history ends an hour before the sandbox's present, so CDC from "now" sees only new changes.
      const updatedAt = createdAt + Math.floor(random.next() * (now - createdAt - 3_600_000));
      company.backdate('Customer', id, createdAt, updatedAt);
    }
  });
  return { customers: options.count, invoices };
}

function ensureTerms(ledger: Ledger): string[] {
  const existing = ledger.company.all('Term').filter((stored) => !stored.deleted);
  if (existing.length > 0) return existing.map((stored) => stringField(stored.record, 'Id') ?? '');
  return STANDARD_TERMS.map((term) => stringField(ledger.createTerm(term), 'Id') ?? '');
}

function unique(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${name} ${n}`;
  used.add(candidate.toLowerCase());
  return candidate;
}

function address(random: SeededRandom): NonNullable<CustomerInput['BillAddr']> {
  const place = random.pick(PLACES);
  const street = `${random.int(1, 9999)} ${random.pick(STREETS)}`;
  const coordinates = random.chance(0.15)
    ? { Lat: 'INVALID', Long: 'INVALID' }
    : random.chance(0.4)
      ? { Lat: (random.next() * 140 - 70).toFixed(7), Long: (random.next() * 340 - 170).toFixed(7) }
      : {};
  if (random.chance(0.1)) {
    // Five lines: attention, company, building, street, district — as some QBO users fill them.
    return {
      Line1: 'Attn: Accounts Payable',
      Line2: 'c/o Finance Department',
      Line3: `Building ${random.int(1, 12)}`,
      Line4: street,
      Line5: 'Suite 400',
      ...place,
      ...coordinates,
    };
  }
  const base = { Line1: street, ...place, ...coordinates };
  if (random.chance(0.15)) {
    const { Country: _country, ...withoutCountry } = base;
    return withoutCountry;
  }
  return base;
}

function emails(random: SeededRandom, local: string, domain: string): CustomerInput['PrimaryEmailAddr'] {
  if (random.chance(0.1)) return undefined;
  const first = `${local}@${domain}`;
  // QBO lets users type several addresses, comma-separated, into the one field.
  return { Address: random.chance(0.2) ? `${first}, billing@${domain}, ap@${domain}` : first };
}

function phone(random: SeededRandom): { FreeFormNumber: string } {
  return {
    FreeFormNumber: `(${random.int(200, 989)}) ${random.int(200, 989)}-${String(random.int(0, 9999)).padStart(4, '0')}`,
  };
}

function slug(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '')
    .toLowerCase();
  return ascii.length > 0 ? ascii : 'customer';
}

function companyCustomer(random: SeededRandom): CustomerInput {
  const companyName = `${random.pick(COMPANY_STEMS)} ${random.pick(COMPANY_KINDS)}${random.pick(COMPANY_SUFFIXES)}`;
  const given = random.pick(GIVEN_NAMES);
  const family = random.pick(FAMILY_NAMES);
  const domain = `${slug(companyName).slice(0, 20)}.example.com`;
  const billing = random.chance(0.92) ? address(random) : undefined;
  const input: CustomerInput = {
    CompanyName: companyName,
    DisplayName: companyName,
    GivenName: given,
    FamilyName: family,
    PrimaryPhone: phone(random),
    ...(random.chance(0.3) ? { Mobile: phone(random) } : {}),
    ...(random.chance(0.1) ? { Fax: phone(random) } : {}),
    ...(random.chance(0.4) ? { WebAddr: { URI: `https://www.${domain}` } } : {}),
    ...(billing ? { BillAddr: billing, ShipAddr: billing } : {}),
    ...(random.chance(0.1)
      ? {
          Notes: 'Key account. Prefers invoices by e-mail; PO number required on every invoice. '.repeat(
            random.int(1, 20),
          ),
        }
      : {}),
    Taxable: random.chance(0.6),
  };
  const email = emails(random, slug(given), domain);
  if (email) input.PrimaryEmailAddr = email;
  return input;
}

function individualCustomer(random: SeededRandom): CustomerInput {
  const given = random.pick(GIVEN_NAMES);
  const family = random.pick(FAMILY_NAMES);
  const billing = random.chance(0.8) ? address(random) : undefined;
  const input: CustomerInput = {
    GivenName: given,
    FamilyName: family,
    DisplayName: `${given} ${family}`,
    ...(random.chance(0.7) ? { PrimaryPhone: phone(random) } : {}),
    ...(random.chance(0.5) ? { Mobile: phone(random) } : {}),
    ...(billing ? { BillAddr: billing } : {}),
  };
  const email = emails(random, `${slug(given)}.${slug(family)}`, random.pick(['example.org', 'mail.example.net']));
  if (email) input.PrimaryEmailAddr = email;
  return input;
}

function subCustomer(random: SeededRandom, parentId: string): CustomerInput {
  const job = random.chance(0.5)
    ? `${random.int(10, 9999)} ${random.pick(STREETS)}`
    : `${random.pick(['Kitchen', 'Office', 'Warehouse', 'Website', 'Annual audit'])} project`;
  return {
    DisplayName: job,
    ParentRef: { value: parentId },
    BillWithParent: random.chance(0.5),
    ...(random.chance(0.5) ? { BillAddr: address(random) } : {}),
  };
}

/** Reference datasets: recorded QBO responses whose entities can be loaded verbatim. */
export const REFERENCE_DATASETS = {
  /** 41 customers of a real Intuit sandbox company (`query-customers.json`). */
  customers: 'query-customers.json',
  /** One customer as a real `GET /customer/5` returned it (`customer-read.json`). */
  'customer-read': 'customer-read.json',
  /** Four estimates from a real CDC response (`cdc-response.json`). */
  estimates: 'cdc-response.json',
  /** A deleted customer as CDC reports it (`cdc-customer-deleted.json`). */
  'deleted-customer': 'cdc-customer-deleted.json',
  /** A date-driven Term (`term-date-driven.json`). */
  term: 'term-date-driven.json',
} as const;
export type ReferenceDataset = keyof typeof REFERENCE_DATASETS;
export const ReferenceDatasetName = z.enum(['customers', 'customer-read', 'estimates', 'deleted-customer', 'term']);

export const REFERENCE_DIR = join(__dirname, 'reference');

export function readReferenceJson(file: string): JsonValue {
  return JsonValueSchema.parse(JSON.parse(readFileSync(join(REFERENCE_DIR, file), 'utf8')));
}

/** A reference payload whose top level is an object (every recorded response is). */
export function readReference(file: string): JsonObject {
  return JsonObjectSchema.parse(readReferenceJson(file));
}

/** Loads the entities of a recorded response into the company exactly as recorded. */
export function seedReference(company: Company, dataset: ReferenceDataset): number {
  const body = readReference(REFERENCE_DATASETS[dataset]);
  let loaded = 0;
  const load = (container: JsonObject) => {
    for (const [key, value] of Object.entries(container)) {
      if (!/^[A-Z]/.test(key) || key === 'QueryResponse' || key === 'CDCResponse') continue;
      const records = Array.isArray(value) ? value : [value];
      for (const record of records) {
        if (!isJsonObject(record)) continue;
        company.putVerbatim(key, record, record.status === 'Deleted');
        loaded++;
      }
    }
  };
  const query = body.QueryResponse;
  if (isJsonObject(query)) load(query);
  const cdc = body.CDCResponse;
  if (Array.isArray(cdc)) {
    for (const entry of cdc) {
      if (!isJsonObject(entry) || !Array.isArray(entry.QueryResponse)) continue;
      for (const part of entry.QueryResponse) if (isJsonObject(part)) load(part);
    }
  }
  if (!isJsonObject(query) && !Array.isArray(cdc)) load(body);
  return loaded;
}
