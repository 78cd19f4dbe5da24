import { isJsonObject, type JsonObject, JsonObjectSchema, stringField } from './json';
import type { Ledger } from './ledger';
import { CustomerInput, parseInput, QboValidationError } from './ledger-inputs';

/**
 * Read-only Customer properties a client may send back (node-quickbooks updates the object it
 * read); QBO ignores them on writes. Anything else unknown is Fault 2010 (FACTS §4.1).
 */
const READ_ONLY = new Set([
  'Id',
  'SyncToken',
  'sparse',
  'domain',
  'MetaData',
  'FullyQualifiedName',
  'BalanceWithJobs',
  'Level',
  'V4IDPseudonym',
  'IsProject',
  'ClientEntityId',
]);

export type CustomerOperation = 'create' | 'update' | 'delete';

function writable(body: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !READ_ONLY.has(key)));
}

function asObject(body: unknown): JsonObject {
  const parsed = JsonObjectSchema.safeParse(body);
  if (parsed.success && isJsonObject(parsed.data)) return parsed.data;
  throw new QboValidationError(
    '2010',
    'Request has invalid or unsupported property',
    'Property Name:Customer specified is unsupported or invalid (not a JSON object)',
    'Customer',
  );
}

/**
 * `POST /customer` (create), `POST /customer?operation=update` (sparse with `sparse: true`, full
 * otherwise). Throws QboValidationError with the fault QBO answers: 2020 for a missing Id or
 * SyncToken, 5010 for a stale SyncToken, 610 for an unknown Id, 500 for a delete (customers are
 * deactivated, never deleted: FACTS §4.3).
 */
export function writeCustomer(ledger: Ledger, operation: CustomerOperation, body: unknown): JsonObject {
  const record = asObject(body);
  if (operation === 'create') return ledger.createCustomer(parseInput(CustomerInput, writable(record)));
  if (operation === 'delete') {
    throw new QboValidationError(
      '500',
      'Unsupported Operation',
      'Operation Delete is not supported for Customer. Set Active to false instead.',
      '',
    );
  }
  const id = stringField(record, 'Id');
  const syncToken = stringField(record, 'SyncToken');
  if (id === undefined || syncToken === undefined) {
    throw new QboValidationError(
      '2020',
      'Required param missing, need to supply the required value for the API',
      `Required parameter ${id === undefined ? 'Id' : 'SyncToken'} is missing in the request`,
      id === undefined ? 'Id' : 'SyncToken',
    );
  }
  const current = ledger.company.read('Customer', id);
  if (!current) {
    throw new QboValidationError(
      '610',
      'Object Not Found',
      `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (Customer ${id})`,
      '',
    );
  }
  if (stringField(current, 'SyncToken') !== syncToken) {
    throw new QboValidationError(
      '5010',
      'Stale Object Error',
      'Stale Object Error : You and another user were working on this at the same time. The other user finished before you did, so your work was not saved.',
      '',
    );
  }
  const sparse = record.sparse === true || record.sparse === 'true';
  return ledger.updateCustomer(id, parseInput(CustomerInput, writable(record)), { clearOmitted: !sparse });
}
