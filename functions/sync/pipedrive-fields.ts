import type { MappedFieldType } from './mapping-catalog';
import type { MappingDocument } from './mapping-document';

/**
 * The organization custom fields the connector keeps in Pipedrive (docs/architecture.md#mapping, decision 36). It creates the
 * missing ones on first use and stores their 40-character keys (and enum option ids) on the connection.
 */
export type CustomFieldType = 'varchar' | 'monetary' | 'enum';

export interface CustomFieldDefinition {
  /** Our stable name for the field, the key under which its Pipedrive key is stored. */
  id: CustomFieldId;
  /** The field name users see in Pipedrive. */
  name: string;
  type: CustomFieldType;
  /** Enum option labels. */
  options?: readonly string[];
}

export type CustomFieldId =
  'quickbooksId' | 'openBalance' | 'overdueBalance' | 'paymentTerms' | 'quickbooksStatus' | 'quickbooksLink';

export const QUICKBOOKS_STATUS_OPTIONS = ['Active', 'Inactive', 'Merged'] as const;
export type QuickBooksStatus = (typeof QUICKBOOKS_STATUS_OPTIONS)[number];

export const CUSTOM_FIELDS: readonly CustomFieldDefinition[] = [
  { id: 'quickbooksId', name: 'QuickBooks ID', type: 'varchar' },
  { id: 'openBalance', name: 'Open balance', type: 'monetary' },
  { id: 'overdueBalance', name: 'Overdue balance', type: 'monetary' },
  { id: 'paymentTerms', name: 'Payment terms', type: 'varchar' },
  { id: 'quickbooksStatus', name: 'QuickBooks status', type: 'enum', options: QUICKBOOKS_STATUS_OPTIONS },
  { id: 'quickbooksLink', name: 'QuickBooks link', type: 'varchar' },
];

/** An organization custom field a mapping document declares, by its field name (decision 61). */
export interface DeclaredField {
  id: string;
  name: string;
  type: MappedFieldType;
  options?: readonly string[];
}

/** The organization custom fields a document declares: what an apply makes sure exist. */
export function declaredOrganizationFields(document: MappingDocument): DeclaredField[] {
  return Object.entries(document.organization.fields).flatMap(([id, field]) =>
    field.custom
      ? [
          {
            id,
            name: field.custom.name,
            type: field.custom.type,
            ...(field.custom.options ? { options: field.custom.options } : {}),
          },
        ]
      : [],
  );
}
