import { countryName } from './countries';
import type { QuickBooksStatus } from './pipedrive-fields';
import type { QboAddress, QboCustomer } from './qbo-entities';

/** Pipedrive's limit on text fields and address parts (v2 validation). */
export const PIPEDRIVE_TEXT_LIMIT = 255;
/** Bumped when the mapping changes, so every customer is pushed again once. */
export const MAPPING_VERSION = 1;

export type SubCustomerRule = 'rollup' | 'separate' | 'skip';

export interface MappingOptions {
  subCustomers: SubCustomerRule;
  /** Where a person opens a customer in QBO (`https://app.qbo.intuit.com`, or the sandbox app). */
  qboAppUrl: string;
  /** The company's home currency, for customers without a CurrencyRef. */
  homeCurrency: string;
}

/** What the connector knows besides the customer record itself. */
export interface MappingFacts {
  /** The QBO company the customer belongs to: part of its identity in Pipedrive (decision 35). */
  realmId: string;
  status: QuickBooksStatus;
  /** Open balance past due, from the customer's open invoices (and its sub-customers' when they roll up). */
  overdueBalance: number;
  /** The name of the Term behind SalesTermRef, if any. */
  paymentTerms: string | undefined;
}

/** A type (not an interface) so it reads as a record of its parts. */
export type MappedAddress = {
  value: string;
  street_number: string | null;
  route: string | null;
  subpremise: string | null;
  sublocality: string | null;
  locality: string | null;
  admin_area_level_1: string | null;
  admin_area_level_2: string | null;
  country: string | null;
  postal_code: string | null;
};

export interface Money {
  value: number;
  currency: string;
}

export interface Contact {
  value: string;
  primary: boolean;
  label: 'work' | 'mobile' | 'other';
}

/** Cuts text to a limit without splitting a surrogate pair, and trims it. */
export function clip(text: string, limit = PIPEDRIVE_TEXT_LIMIT): string {
  const trimmed = text.trim();
  if (trimmed.length <= limit) return trimmed;
  const chars = Array.from(trimmed);
  let out = '';
  for (const char of chars) {
    if (out.length + char.length > limit) break;
    out += char;
  }
  return out.trim();
}

function nonEmpty(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

function part(text: string | undefined): string | null {
  const value = nonEmpty(text);
  return value === undefined ? null : clip(value);
}

const DELETED_SUFFIX = / \(deleted\)$/;

/** The organization name: CompanyName, else DisplayName without QBO's " (deleted)". */
export function organizationName(customer: QboCustomer, options: MappingOptions): string {
  const display = customer.DisplayName.replace(DELETED_SUFFIX, '');
  const qualified = customer.FullyQualifiedName?.replace(DELETED_SUFFIX, '');
  // A separate sub-customer often repeats its parent's CompanyName, so it is named by its path.
  const base =
    options.subCustomers === 'separate' && customer.Job && qualified
      ? qualified
          .split(':')
          .map((p) => p.trim())
          .join(' – ')
      : (nonEmpty(customer.CompanyName) ?? display);
  return nonEmpty(clip(base)) ?? `QuickBooks customer ${customer.Id}`;
}

/** BillAddr as the whole v2 address object: every part is sent (null when absent), never only `value`. */
export function mapAddress(address: QboAddress | undefined): MappedAddress | null {
  if (!address) return null;
  const lines = [address.Line1, address.Line2, address.Line3, address.Line4, address.Line5]
    .map(nonEmpty)
    .filter((line): line is string => line !== undefined);
  const city = nonEmpty(address.City);
  const region = nonEmpty(address.CountrySubDivisionCode);
  const postal = nonEmpty(address.PostalCode);
  const country = nonEmpty(address.Country);
  const regionAndPostal = [region, postal].filter(Boolean).join(' ');
  const value = clip(
    [...lines, city, regionAndPostal || undefined, country ? countryName(country) : undefined]
      .filter(Boolean)
      .join(', '),
  );
  if (!value) return null;
  // The street is the first line that starts with a house number; other lines are kept as the subpremise.
  const streetIndex = lines.findIndex((line) => /^\d/.test(line));
  const street = lines[streetIndex === -1 ? 0 : streetIndex];
  const rest = lines.filter((_, index) => index !== (streetIndex === -1 ? 0 : streetIndex));
  const numbered = street ? /^(\d+[A-Za-z]?(?:[-/]\d+[A-Za-z]?)?)\s+(.+)$/.exec(street) : null;
  return {
    value,
    street_number: numbered ? part(numbered[1]) : null,
    route: numbered ? part(numbered[2]) : part(street),
    subpremise: rest.length > 0 ? part(rest.join(', ')) : null,
    sublocality: null,
    locality: part(city),
    admin_area_level_1: part(region),
    admin_area_level_2: null,
    country: country ? part(countryName(country)) : null,
    postal_code: part(postal),
  };
}

/** Every address in a QBO email field: it may hold several, comma- or semicolon-separated. */
export function splitEmails(field: string | undefined): string[] {
  if (!field) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of field.split(/[,;]/)) {
    const email = raw.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > PIPEDRIVE_TEXT_LIMIT) continue;
    const key = email.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(email);
  }
  return out;
}

function phones(customer: QboCustomer): Contact[] {
  const candidates: [string | undefined, Contact['label']][] = [
    [customer.PrimaryPhone?.FreeFormNumber, 'work'],
    [customer.Mobile?.FreeFormNumber, 'mobile'],
    [customer.AlternatePhone?.FreeFormNumber, 'other'],
  ];
  const seen = new Set<string>();
  const out: Contact[] = [];
  for (const [number, label] of candidates) {
    const value = nonEmpty(number);
    if (value === undefined || seen.has(value)) continue;
    seen.add(value);
    out.push({ value: clip(value), primary: out.length === 0, label });
  }
  return out;
}

/** The primary contact's name, e-mails and phones; `reachable` is false when there is no one to reach (no person is made). */
export function contactParts(customer: QboCustomer): {
  reachable: boolean;
  name: string;
  emails: Contact[];
  phones: Contact[];
} {
  const given = [customer.GivenName, customer.FamilyName].map(nonEmpty).filter(Boolean).join(' ');
  const emails = splitEmails(customer.PrimaryEmailAddr?.Address).map((value, index): Contact => ({
    value,
    primary: index === 0,
    label: 'work',
  }));
  const phoneList = phones(customer);
  const name =
    nonEmpty(clip(given || customer.DisplayName.replace(DELETED_SUFFIX, ''))) ?? `QuickBooks customer ${customer.Id}`;
  return { reachable: Boolean(given) || emails.length > 0 || phoneList.length > 0, name, emails, phones: phoneList };
}

export function money(value: number | undefined, currency: string): Money {
  const amount = value !== undefined && Number.isFinite(value) ? value : 0;
  const cents = Math.round(amount * 100) / 100;
  return { value: Number.isFinite(cents) ? cents : amount, currency };
}

/**
 * Where a person opens the customer in QBO. `companyId` names the company (decision 35): the customer
 * page alone opens `nameId` in whichever company the browser last had open, which for a firm with
 * several companies is often another one's customer with the same id. That QBO honours `companyId`
 * on this page is unverified (no Intuit source); the realm is also in the "QuickBooks ID" field.
 */
export function quickbooksLink(qboAppUrl: string, realmId: string, qboId: string): string {
  const query = new URLSearchParams({ nameId: qboId, companyId: realmId });
  return `${qboAppUrl.replace(/\/$/, '')}/app/customerdetail?${query.toString()}`;
}
