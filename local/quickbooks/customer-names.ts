import type { Company } from './company';
import { type JsonObject, refValue, stringField } from './json';
import { type CustomerInput, QboValidationError } from './ledger-inputs';

/** QBO's rules for customer names: forbidden characters, uniqueness, and sub-customers' qualified names. */

const NAME_FORBIDDEN = /[:\t\n]/;

/** Refuses names with a colon, tab or newline, and e-mail addresses without `@` and `.`, as QBO does. */
export function checkNames(input: CustomerInput): void {
  for (const key of [
    'DisplayName',
    'Title',
    'GivenName',
    'MiddleName',
    'FamilyName',
    'Suffix',
    'PrintOnCheckName',
  ] as const) {
    const value = input[key];
    if (value !== undefined && NAME_FORBIDDEN.test(value)) {
      throw new QboValidationError(
        '6000',
        'A business validation error has occurred while processing your request',
        `Business Validation Error: ${key} cannot contain a colon (:), tab or newline.`,
        key,
      );
    }
  }
  const email = input.PrimaryEmailAddr?.Address;
  if (email !== undefined && email !== '' && !email.split(',').every((part) => /@.*\./.test(part))) {
    throw new QboValidationError(
      '6000',
      'A business validation error has occurred while processing your request',
      'Business Validation Error: Email Address must contain @ and .',
      'PrimaryEmailAddr',
    );
  }
}

/** QBO's display names are unique per company, whatever the case. */
export function checkUniqueName(company: Company, displayName: string, exceptId?: string): void {
  const taken = company
    .all('Customer')
    .some(
      (stored) =>
        !stored.deleted &&
        stringField(stored.record, 'Id') !== exceptId &&
        stringField(stored.record, 'DisplayName')?.toLowerCase() === displayName.toLowerCase(),
    );
  if (taken)
    throw new QboValidationError('6240', 'Duplicate Name Exists Error', 'The name supplied already exists. : null');
}

/** `Parent:Child`, as QBO writes a sub-customer's FullyQualifiedName. */
export function qualifiedName(company: Company, record: JsonObject, displayName: string): string {
  const parentId = refValue(record, 'ParentRef');
  const parent = parentId ? company.read('Customer', parentId) : undefined;
  return parent ? `${stringField(parent, 'FullyQualifiedName') ?? ''}:${displayName}` : displayName;
}

/** The live sub-customers directly under `parentId`. */
export function children(company: Company, parentId: string): JsonObject[] {
  return company
    .all('Customer')
    .filter((stored) => !stored.deleted && refValue(stored.record, 'ParentRef') === parentId)
    .map((stored) => stored.record);
}

/** A renamed customer renames its sub-customers' qualified names, all levels down. */
export function renameChildren(company: Company, parentId: string): void {
  for (const child of children(company, parentId)) {
    const childId = stringField(child, 'Id') ?? '';
    company.update('Customer', childId, (record) => {
      record.FullyQualifiedName = qualifiedName(company, record, stringField(record, 'DisplayName') ?? '');
    });
    renameChildren(company, childId);
  }
}

/** A customer created without a DisplayName gets one from the person's name, else the company's. */
export function deriveDisplayName(input: CustomerInput): string | undefined {
  const parts = [input.Title, input.GivenName, input.MiddleName, input.FamilyName, input.Suffix].filter((part) => part);
  if (parts.length > 0) return parts.join(' ');
  return input.CompanyName;
}

/** A stable opaque id like the `V4IDPseudonym` newer QBO responses carry. */
export function pseudonym(realmId: string, name: string): string {
  let hash = 2166136261;
  for (const char of `${realmId}:${name}`) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619) >>> 0;
  return `00209${hash.toString(16).padStart(8, '0')}e4b14d9f8b0c3a7a5c1e2f0d`;
}
