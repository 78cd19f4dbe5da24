import fc from 'fast-check';
import { arbitraryCustomer, arbitraryFacts as facts } from '../../helpers/arbitrary-customer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffMapped, fingerprint } from '../../../functions/sync/fingerprint';
import { mapAddress, type MappingOptions, PIPEDRIVE_TEXT_LIMIT, splitEmails } from '../../../functions/sync/mapping';
import { mapCustomer } from '../../../functions/sync/mapping-engine';
import { isAddress, isContacts, isMoney } from '../../../functions/sync/mapping-shape';
import { QboCustomer } from '../../../functions/sync/qbo-entities';

const OPTIONS: MappingOptions = {
  subCustomers: 'rollup',
  qboAppUrl: 'https://app.qbo.intuit.com',
  homeCurrency: 'USD',
};
const FACTS = { realmId: '9130', status: 'Active' as const, overdueBalance: 0, paymentTerms: undefined };
const reference = (file: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'local', 'quickbooks', 'reference', file), 'utf8'));
const recordedCustomers = (
  reference('query-customers.json') as { QueryResponse: { Customer: unknown[] } }
).QueryResponse.Customer.map((c) => QboCustomer.parse(c));
const customer = (id: string) =>
  recordedCustomers.find((c) => c.Id === id) ??
  (() => {
    throw new Error(id);
  })();

describe('mapping a QBO customer to a Pipedrive organization', () => {
  it('maps the recorded customer with every field of the default mapping', () => {
    const mapped = mapCustomer(
      customer('1'),
      { realmId: '9130', status: 'Active', overdueBalance: 120.5, paymentTerms: 'Net 30' },
      OPTIONS,
    );
    expect(mapped).toEqual({
      organization: {
        name: "Amy's Bird Sanctuary",
        address: {
          value: '4581 Finch St., Bayshore, CA 94326',
          street_number: '4581',
          route: 'Finch St.',
          subpremise: null,
          sublocality: null,
          locality: 'Bayshore',
          admin_area_level_1: 'CA',
          admin_area_level_2: null,
          country: null,
          postal_code: '94326',
        },
        quickbooksId: '9130:1',
        openBalance: { value: 639, currency: 'USD' },
        overdueBalance: { value: 120.5, currency: 'USD' },
        paymentTerms: 'Net 30',
        quickbooksStatus: 'Active',
        quickbooksLink: 'https://app.qbo.intuit.com/app/customerdetail?nameId=1&companyId=9130',
      },
      person: {
        name: 'Amy Lauterbach',
        emails: [{ value: 'Birds@Intuit.com', primary: true, label: 'work' }],
        phones: [{ value: '(650) 555-3311', primary: true, label: 'work' }],
      },
    });
  });

  it("uses DisplayName without QBO's ' (deleted)' when there is no CompanyName", () => {
    const gone = QboCustomer.parse({ ...customer('6'), DisplayName: 'Dylan Sollfrank (deleted)', Active: false });
    expect(mapCustomer(gone, { ...FACTS, status: 'Inactive' }, OPTIONS).organization).toMatchObject({
      name: 'Dylan Sollfrank',
      quickbooksStatus: 'Inactive',
    });
  });

  it('uses BalanceWithJobs when sub-customers roll up, Balance otherwise', () => {
    const parent = QboCustomer.parse({ ...customer('7'), Balance: 10, BalanceWithJobs: 95 });
    expect(mapCustomer(parent, FACTS, OPTIONS).organization.openBalance).toMatchObject({ value: 95 });
    expect(mapCustomer(parent, FACTS, { ...OPTIONS, subCustomers: 'separate' }).organization.openBalance).toMatchObject(
      {
        value: 10,
      },
    );
  });

  it('names a separate sub-customer by its full path', () => {
    const job = customer('8');
    expect(mapCustomer(job, FACTS, { ...OPTIONS, subCustomers: 'separate' }).organization.name).toBe(
      'Freeman Sporting Goods – 0969 Ocean View Road',
    );
  });

  it('splits several comma- or semicolon-separated e-mails, dropping junk and duplicates', () => {
    expect(splitEmails('a@x.com, b@x.com;A@X.com, not an email ,c@y.org')).toEqual(['a@x.com', 'b@x.com', 'c@y.org']);
  });

  it('keeps five-line addresses in value and the subpremise, with the country by name', () => {
    const address = mapAddress({
      Line1: 'Attn: Accounts Payable',
      Line2: 'c/o Finance',
      Line3: '12 Hauptstraße',
      Line4: 'Building 3',
      Line5: 'Suite 400',
      City: 'München',
      PostalCode: '80331',
      Country: 'DEU',
      Lat: 'INVALID',
    });
    expect(address).toMatchObject({
      value: 'Attn: Accounts Payable, c/o Finance, 12 Hauptstraße, Building 3, Suite 400, München, 80331, Germany',
      street_number: '12',
      route: 'Hauptstraße',
      subpremise: 'Attn: Accounts Payable, c/o Finance, Building 3, Suite 400',
      country: 'Germany',
    });
    expect(mapAddress({ Id: '106' })).toBeNull();
  });

  it('has no person when there is no one to reach', () => {
    const bare = QboCustomer.parse({
      Id: '9',
      SyncToken: '0',
      MetaData: { LastUpdatedTime: '2020-01-01T00:00:00-07:00' },
      DisplayName: 'Bare Co',
      CompanyName: 'Bare Co',
    });
    expect(mapCustomer(bare, FACTS, OPTIONS).person).toBeNull();
  });
});

describe('mapping properties', () => {
  it('never throws, and respects Pipedrive field limits', () => {
    fc.assert(
      fc.property(
        arbitraryCustomer,
        facts,
        fc.constantFrom('rollup' as const, 'separate' as const, 'skip' as const),
        (c, f, rule) => {
          const { organization, person } = mapCustomer(c, f, { ...OPTIONS, subCustomers: rule });
          expect(organization.name.trim().length).toBeGreaterThan(0);
          expect(organization.name.length).toBeLessThanOrEqual(PIPEDRIVE_TEXT_LIMIT);
          const { address, openBalance } = organization;
          if (address !== null && address !== undefined) {
            if (!isAddress(address)) throw new Error('the address is not an address');
            expect(address.value.length).toBeGreaterThan(0);
            for (const value of Object.values(address))
              if (value !== null) expect(value.length).toBeLessThanOrEqual(PIPEDRIVE_TEXT_LIMIT);
          }
          if (!isMoney(openBalance)) throw new Error('the open balance is not money');
          expect(Number.isFinite(openBalance.value)).toBe(true);
          expect(openBalance.currency.length).toBeGreaterThan(0);
          if (person) {
            const { emails, phones } = person;
            if (!isContacts(emails) || !isContacts(phones)) throw new Error('contacts are not contacts');
            expect(person.name.trim().length).toBeGreaterThan(0);
            expect(person.name.length).toBeLessThanOrEqual(PIPEDRIVE_TEXT_LIMIT);
            for (const contact of [...emails, ...phones])
              expect(contact.value.length).toBeLessThanOrEqual(PIPEDRIVE_TEXT_LIMIT);
            expect(emails.filter((e) => e.primary).length).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives the same fingerprint whatever the key order of the record, and a different one for a different payload', () => {
    fc.assert(
      fc.property(arbitraryCustomer, facts, fc.integer(), (c, f, seed) => {
        const keys = Object.keys(c);
        const shuffled = Object.fromEntries(
          fc
            .sample(fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length }), {
              seed,
              numRuns: 1,
            })[0]
            ?.map((k) => [k, Reflect.get(c, k)]) ?? [],
        );
        const a = mapCustomer(c, f, OPTIONS);
        const b = mapCustomer(QboCustomer.parse(shuffled), f, OPTIONS);
        expect(fingerprint(b)).toBe(fingerprint(a));
        expect(diffMapped(a, b)).toEqual({});
        const renamed = mapCustomer(QboCustomer.parse({ ...c, CompanyName: `${a.organization.name}!` }), f, OPTIONS);
        expect(fingerprint(renamed)).not.toBe(fingerprint(a));
      }),
      { numRuns: 200 },
    );
  });

  it('diffs only the fields that changed', () => {
    const before = mapCustomer(customer('1'), FACTS, OPTIONS);
    const after = mapCustomer(
      QboCustomer.parse({ ...customer('1'), Balance: 700, BalanceWithJobs: 700 }),
      { ...FACTS, paymentTerms: 'Net 15' },
      OPTIONS,
    );
    expect(diffMapped(before, after)).toEqual({
      openBalance: [
        { value: 639, currency: 'USD' },
        { value: 700, currency: 'USD' },
      ],
      paymentTerms: [null, 'Net 15'],
    });
    expect(Object.keys(diffMapped(undefined, after))).toContain('name');
  });
});
