import * as z from 'zod';
import type { InvalidRecord } from '../sync/ports';
import type { QboCustomer, QboInvoice, QboPayment } from '../sync/qbo-entities';

/** The shapes of QBO's answers the client reads, and what it makes of them. */

export const QueryResponse = z.looseObject({
  QueryResponse: z.record(z.string(), z.unknown()),
  time: z.unknown().optional(),
});
export const CdcResponse = z.looseObject({
  CDCResponse: z.array(z.looseObject({ QueryResponse: z.array(z.record(z.string(), z.unknown())).default([]) })).min(1),
  time: z.string(),
});
export const CompanyInfoResponse = z.looseObject({
  CompanyInfo: z.looseObject({ CompanyName: z.string(), Country: z.string().optional() }),
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

export function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`);
}
