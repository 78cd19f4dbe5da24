import { MappingDocument, type MappingDocumentInput } from './mapping-document';

/**
 * The mapping the connector has always used, as a document (decision 57). It yields the same pushed
 * payloads, bodies and fingerprints as the fixed code it replaced, so upgrading spends no tokens.
 * Its custom fields are the connector's own (pipedrive-fields.ts), by the same ids.
 */
export const DEFAULT_MAPPING_INPUT = {
  version: 1,
  organization: {
    fields: {
      name: { from: '$organizationName' },
      address: { from: '$billingAddress' },
      quickbooksId: { custom: { name: 'QuickBooks ID', type: 'varchar' }, from: '$quickbooksId' },
      openBalance: { custom: { name: 'Open balance', type: 'monetary' }, from: '$openBalance' },
      overdueBalance: { custom: { name: 'Overdue balance', type: 'monetary' }, from: '$overdueBalance' },
      paymentTerms: { custom: { name: 'Payment terms', type: 'varchar' }, from: '$paymentTerms' },
      quickbooksStatus: {
        custom: { name: 'QuickBooks status', type: 'enum', options: ['Active', 'Inactive', 'Merged'] },
        from: '$quickbooksStatus',
      },
      quickbooksLink: { custom: { name: 'QuickBooks link', type: 'varchar' }, from: '$quickbooksLink' },
    },
  },
  person: {
    fields: {
      name: { from: '$personName' },
      emails: { from: '$emails' },
      phones: { from: '$phones' },
    },
  },
} as const satisfies MappingDocumentInput;

export const DEFAULT_MAPPING: MappingDocument = MappingDocument.parse(DEFAULT_MAPPING_INPUT);
