import { DEFAULT_MAPPING } from './default-mapping';
import { type DerivedValue, standardFieldKind, type Entity } from './mapping-catalog';
import type { EntityMapping, MappingDocument } from './mapping-document';
import {
  clip,
  contactParts,
  mapAddress,
  type MappingFacts,
  type MappingOptions,
  money,
  organizationName,
  quickbooksLink,
} from './mapping';
import { type MappedValue, shapeValue } from './mapping-shape';
import { fieldValue, type MappingInput, type SourceValue } from './mapping-values';
import type { QboCustomer } from './qbo-entities';
import { qualifiedQuickbooksId } from './quickbooks-identity';

/** A record as the connector wants it, by the document's field names (Pipedrive keys are applied later). */
export type MappedRecord = Record<string, MappedValue> & { name: string };

export interface MappedCustomer {
  organization: MappedRecord;
  /** null when there is no one to reach, or the document makes no persons. */
  person: MappedRecord | null;
}

function currencyOf(customer: QboCustomer, options: MappingOptions): string {
  const own = customer.CurrencyRef?.value.trim();
  return own ? own.toUpperCase() : options.homeCurrency;
}

/** The values the connector derives (mapping.ts), by their $-names. */
function derivedValues(
  customer: QboCustomer,
  facts: MappingFacts,
  options: MappingOptions,
): Record<DerivedValue, SourceValue> {
  const currency = currencyOf(customer, options);
  const open = options.subCustomers === 'rollup' ? (customer.BalanceWithJobs ?? customer.Balance) : customer.Balance;
  const contact = contactParts(customer);
  return {
    $organizationName: organizationName(customer, options),
    $billingAddress: mapAddress(customer.BillAddr),
    $quickbooksId: qualifiedQuickbooksId(facts.realmId, customer.Id),
    $openBalance: money(open, currency),
    $overdueBalance: money(facts.overdueBalance, currency),
    $paymentTerms: facts.paymentTerms ? clip(facts.paymentTerms) : null,
    $quickbooksStatus: facts.status,
    $quickbooksLink: clip(quickbooksLink(options.qboAppUrl, facts.realmId, customer.Id)),
    $personName: contact.name,
    $emails: contact.emails,
    $phones: contact.phones,
    $currency: currency,
  };
}

function mapRecord(input: MappingInput, entity: Entity, mapping: EntityMapping, fallbackName: string): MappedRecord {
  const currency = currencyOf(input.customer, input.options);
  const out: Record<string, MappedValue> = {};
  for (const [name, field] of Object.entries(mapping.fields)) {
    const target = { custom: field.custom, standard: standardFieldKind(entity, name) };
    out[name] = shapeValue(fieldValue(input, field), target, currency);
  }
  const name = out.name;
  return { ...out, name: typeof name === 'string' && name.trim() !== '' ? name : fallbackName };
}

/** A QBO customer as a Pipedrive organization and its primary contact, by a mapping document. Pure; never throws. */
export function mapCustomer(
  customer: QboCustomer,
  facts: MappingFacts,
  options: MappingOptions,
  document: MappingDocument = DEFAULT_MAPPING,
): MappedCustomer {
  const input: MappingInput = { customer, facts, options, derived: derivedValues(customer, facts, options) };
  const fallbackName = `QuickBooks customer ${customer.Id}`;
  const reachable = contactParts(customer).reachable;
  return {
    organization: mapRecord(input, 'organization', document.organization, fallbackName),
    person: document.person && reachable ? mapRecord(input, 'person', document.person, fallbackName) : null,
  };
}
