import * as z from '../shared/zod-mini';
import type { InvalidRecord } from '../sync/ports';
import type { QboCustomer, QboInvoice, QboPayment } from '../sync/qbo-entities';

/** The shapes of QBO's answers the client reads, and what it makes of them. */

export const QueryResponse = z.looseObject({
  QueryResponse: z.record(z.string(), z.unknown()),
  time: z.optional(z.unknown()),
});
export const CdcResponse = z.looseObject({
  CDCResponse: z
    .array(z.looseObject({ QueryResponse: z._default(z.array(z.record(z.string(), z.unknown())), []) }))
    .check(z.minLength(1)),
  time: z.string(),
});
export const CompanyInfoResponse = z.looseObject({
  CompanyInfo: z.looseObject({ CompanyName: z.string(), Country: z.optional(z.string()) }),
});
export const EntityArray = z.array(z.unknown());

export interface CustomerChanges {
  customers: QboCustomer[];
  deletedCustomerIds: string[];
  invoices: QboInvoice[];
  payments: QboPayment[];
  invalid: InvalidRecord[];
  /** Entities whose answer hit the 1,000-object cap: the window may be truncated. */
  capped: string[];
  /** The response `time`, the next cursor (FACTS §3). */
  time: string;
}

export function idOf(value: unknown): string | undefined {
  const parsed = z.looseObject({ Id: z.string() }).safeParse(value);
  return parsed.success ? parsed.data.Id : undefined;
}

export function problemsOf(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`);
}
