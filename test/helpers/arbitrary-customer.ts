import fc from 'fast-check';
import { QboCustomer } from '../../functions/sync/qbo-entities';

/** Arbitrary customers: any text (Unicode, huge, blank), missing parts, junk where QBO sends junk. */
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 400 }),
  fc.constantFrom('', ' ', 'INVALID', "O'Brien's", 'a@b.c, d@e.f'),
);
const optionalText = fc.option(text, { nil: undefined });
export const arbitraryCustomer = fc
  .record(
    {
      Id: fc.stringMatching(/^[1-9]\d{0,6}$/),
      SyncToken: fc.nat({ max: 99 }).map(String),
      MetaData: fc.record({ LastUpdatedTime: fc.constant('2026-01-01T00:00:00-07:00') }),
      DisplayName: text,
      CompanyName: optionalText,
      GivenName: optionalText,
      FamilyName: optionalText,
      FullyQualifiedName: optionalText,
      Active: fc.boolean(),
      Job: fc.option(fc.boolean(), { nil: undefined }),
      Balance: fc.option(fc.oneof(fc.double(), fc.integer()), { nil: undefined }),
      BalanceWithJobs: fc.option(fc.double(), { nil: undefined }),
      CurrencyRef: fc.option(fc.record({ value: fc.constantFrom('USD', 'eur', '') }), { nil: undefined }),
      PrimaryEmailAddr: fc.option(fc.record({ Address: optionalText }), { nil: undefined }),
      PrimaryPhone: fc.option(fc.record({ FreeFormNumber: optionalText }), { nil: undefined }),
      Mobile: fc.option(fc.record({ FreeFormNumber: optionalText }), { nil: undefined }),
      BillAddr: fc.option(
        fc.record(
          {
            Line1: optionalText,
            Line2: optionalText,
            Line3: optionalText,
            Line4: optionalText,
            Line5: optionalText,
            City: optionalText,
            CountrySubDivisionCode: optionalText,
            PostalCode: optionalText,
            Country: optionalText,
            Lat: fc.constantFrom('INVALID', '37.4'),
          },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
    },
    { requiredKeys: ['Id', 'SyncToken', 'MetaData', 'DisplayName', 'Active'] },
  )
  .map((raw) => QboCustomer.parse(raw));
export const arbitraryFacts = fc.record({
  realmId: fc.constant('9130'),
  status: fc.constantFrom('Active' as const, 'Inactive' as const, 'Merged' as const),
  overdueBalance: fc.double({ noNaN: true }),
  paymentTerms: optionalText,
});
