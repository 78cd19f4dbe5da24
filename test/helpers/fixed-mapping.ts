/**
 * The fixed mapping the default document replaced, frozen as it was (decision 57): the oracle that
 * proves the document-driven path gives the same payloads, bodies and fingerprints. Only the assembly
 * is frozen here; the building blocks it called (names, addresses, e-mails, money) are shared.
 */
import { canonicalJson, sha256Hex } from '../../functions/sync/canonical-json';
import {
  clip,
  type Contact,
  mapAddress,
  type MappedAddress,
  MAPPING_VERSION,
  type MappingFacts,
  type MappingOptions,
  type Money,
  organizationName,
  quickbooksLink,
  splitEmails,
} from '../../functions/sync/mapping';
import type { QuickBooksStatus } from '../../functions/sync/pipedrive-fields';
import { addressBody, type FieldKeys } from '../../functions/sync/pipedrive-body';
import type { OrganizationBody, PersonBody } from '../../functions/sync/ports';
import type { QboCustomer } from '../../functions/sync/qbo-entities';
import { qualifiedQuickbooksId } from '../../functions/sync/quickbooks-identity';

interface FixedOrganization {
  name: string;
  address: MappedAddress | null;
  quickbooksId: string;
  openBalance: Money;
  overdueBalance: Money;
  paymentTerms: string | null;
  quickbooksStatus: QuickBooksStatus;
  quickbooksLink: string;
}
interface FixedPerson {
  name: string;
  emails: Contact[];
  phones: Contact[];
}
export interface FixedMapped {
  organization: FixedOrganization;
  person: FixedPerson | null;
}

function nonEmpty(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

const DELETED_SUFFIX = / \(deleted\)$/;

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

function mapPerson(customer: QboCustomer): FixedPerson | null {
  const given = [customer.GivenName, customer.FamilyName].map(nonEmpty).filter(Boolean).join(' ');
  const emails = splitEmails(customer.PrimaryEmailAddr?.Address).map((value, index): Contact => ({
    value,
    primary: index === 0,
    label: 'work',
  }));
  const phoneList = phones(customer);
  if (!given && emails.length === 0 && phoneList.length === 0) return null;
  const name =
    nonEmpty(clip(given || customer.DisplayName.replace(DELETED_SUFFIX, ''))) ?? `QuickBooks customer ${customer.Id}`;
  return { name, emails, phones: phoneList };
}

function money(value: number | undefined, currency: string): Money {
  const amount = value !== undefined && Number.isFinite(value) ? value : 0;
  const cents = Math.round(amount * 100) / 100;
  return { value: Number.isFinite(cents) ? cents : amount, currency };
}

export function fixedMapCustomer(customer: QboCustomer, facts: MappingFacts, options: MappingOptions): FixedMapped {
  const currency = nonEmpty(customer.CurrencyRef?.value)?.toUpperCase() ?? options.homeCurrency;
  const open = options.subCustomers === 'rollup' ? (customer.BalanceWithJobs ?? customer.Balance) : customer.Balance;
  return {
    organization: {
      name: organizationName(customer, options),
      address: mapAddress(customer.BillAddr),
      quickbooksId: qualifiedQuickbooksId(facts.realmId, customer.Id),
      openBalance: money(open, currency),
      overdueBalance: money(facts.overdueBalance, currency),
      paymentTerms: facts.paymentTerms ? clip(facts.paymentTerms) : null,
      quickbooksStatus: facts.status,
      quickbooksLink: clip(quickbooksLink(options.qboAppUrl, facts.realmId, customer.Id)),
    },
    person: mapPerson(customer),
  };
}

export function fixedFingerprint(mapped: FixedMapped): string {
  return sha256Hex(canonicalJson({ v: MAPPING_VERSION, mapped }));
}

function key(fields: FieldKeys, id: string): string {
  const value = fields.fieldKeys[id];
  if (value === undefined) throw new Error(`the Pipedrive field ${id} has no key yet`);
  return value;
}

export function fixedOrganizationBody(organization: FixedOrganization, fields: FieldKeys): OrganizationBody {
  const statusOption = fields.fieldOptions.quickbooksStatus?.[organization.quickbooksStatus];
  if (statusOption === undefined) throw new Error(`the QuickBooks status option has no id yet`);
  return {
    name: organization.name,
    address: addressBody(organization.address),
    custom_fields: {
      [key(fields, 'quickbooksId')]: organization.quickbooksId,
      [key(fields, 'openBalance')]: organization.openBalance,
      [key(fields, 'overdueBalance')]: organization.overdueBalance,
      [key(fields, 'paymentTerms')]: organization.paymentTerms,
      [key(fields, 'quickbooksStatus')]: statusOption,
      [key(fields, 'quickbooksLink')]: organization.quickbooksLink,
    },
  };
}

export function fixedPersonBody(person: FixedPerson, orgId: number): PersonBody {
  return { name: person.name, org_id: orgId, emails: person.emails, phones: person.phones };
}
