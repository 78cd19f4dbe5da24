import * as z from 'zod';
import { faultObject } from './fault-bodies';
import type { JsonObject } from './json';
import { JsonValueSchema } from './json';
import type { Ledger } from './ledger';
import { QboValidationError } from './ledger-inputs';
import { parseQuery, QueryParseError } from './query-parser';
import { QueryValidationError, runQuery } from './query-engine';
import { writeCustomer } from './customer-writes';

/** FACTS §5: "maximum … payloads in a single BatchItemRequest is 30" (the API reference). */
export const MAX_BATCH_ITEMS = 30;

const BatchItem = z
  .object({
    bId: z.string().min(1),
    // node-quickbooks types every item with an operation, so a Query item may say 'query'.
    operation: z.enum(['create', 'update', 'delete', 'query']).optional(),
    Query: z.string().optional(),
    Customer: JsonValueSchema.optional(),
    optionsData: z.string().optional(),
  })
  // Other entities (Invoice, Vendor, …) are named so the item can be answered with a fault.
  .catchall(JsonValueSchema);
export const BatchRequest = z.object({ BatchItemRequest: z.array(BatchItem).min(1) }).strict();
export type BatchRequest = z.infer<typeof BatchRequest>;

const ITEM_KEYS = new Set(['bId', 'operation', 'Query', 'optionsData']);

function itemFault(error: QboValidationError): JsonObject {
  return faultObject({ message: error.message, detail: error.detail, code: error.code, element: error.element ?? '' });
}

/**
 * Runs one batch (FACTS §5 "Batch"): items are independent, each answered in order with its
 * entity, its QueryResponse or its own Fault, all inside an HTTP 200. The sandbox writes
 * Customers and runs queries; anything else gets the Unsupported Operation fault.
 */
export function runBatch(ledger: Ledger, request: BatchRequest): JsonObject {
  const responses = request.BatchItemRequest.map((item): JsonObject => {
    try {
      if (item.Query !== undefined) {
        const result = runQuery(ledger.company, parseQuery(item.Query));
        return { QueryResponse: result.QueryResponse, bId: item.bId };
      }
      const entity = Object.keys(item).find((key) => !ITEM_KEYS.has(key));
      if (entity === 'Customer' && item.operation !== undefined && item.operation !== 'query') {
        return { Customer: writeCustomer(ledger, item.operation, item.Customer), bId: item.bId };
      }
      throw new QboValidationError(
        '500',
        'Unsupported Operation',
        `Operation ${item.operation ?? 'none'} on ${entity ?? 'no entity'} is not supported by the sandbox's batch.`,
        '',
      );
    } catch (error) {
      if (error instanceof QueryParseError) {
        return {
          Fault: itemFault(new QboValidationError('4000', 'Error parsing query', `QueryParserError: ${error.message}`)),
          bId: item.bId,
        };
      }
      if (error instanceof QueryValidationError) {
        return {
          Fault: itemFault(new QboValidationError('4001', 'Invalid query', `QueryValidationError: ${error.message}`)),
          bId: item.bId,
        };
      }
      if (error instanceof QboValidationError) return { Fault: itemFault(error), bId: item.bId };
      throw error;
    }
  });
  return { BatchItemResponse: responses, time: ledger.company.responseTime() };
}
