import * as z from 'zod';
import { type JsonObject, JsonObjectSchema } from './json';

/**
 * What the sandbox's QBO accepts in customer, invoice and payment writes (the control API and the
 * v3 customer writes), and the error a refused write raises.
 */

/** Thrown for a request QBO would refuse; carries the QBO fault it maps to. */
export class QboValidationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly detail: string,
    readonly element?: string,
  ) {
    super(message);
  }
}

/** Optional writable Customer fields a full (non-sparse) update clears when the body omits them. */
export const CLEARED_BY_FULL_UPDATE = [
  'Title',
  'GivenName',
  'MiddleName',
  'FamilyName',
  'Suffix',
  'CompanyName',
  'PrimaryEmailAddr',
  'PrimaryPhone',
  'AlternatePhone',
  'Mobile',
  'Fax',
  'WebAddr',
  'BillAddr',
  'ShipAddr',
  'Notes',
  'SalesTermRef',
] as const;

const Ref = z.object({ value: z.string().min(1), name: z.string().optional() }).strict();
const Address = z
  .object({
    /** The address's own id, as a read returns it (a client sending a customer back keeps it). */
    Id: z.string().optional(),
    Line1: z.string().max(500).optional(),
    Line2: z.string().max(500).optional(),
    Line3: z.string().max(500).optional(),
    Line4: z.string().max(500).optional(),
    Line5: z.string().max(500).optional(),
    City: z.string().max(255).optional(),
    CountrySubDivisionCode: z.string().max(255).optional(),
    PostalCode: z.string().max(30).optional(),
    Country: z.string().max(255).optional(),
    Lat: z.string().optional(),
    Long: z.string().optional(),
  })
  .strict();

const Phone = z.object({ FreeFormNumber: z.string().max(30) }).strict();
/** A calendar date, YYYY-MM-DD. */
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** The writable Customer fields, as a QBO create/sparse-update body would carry them. */
export const CustomerInput = z
  .object({
    DisplayName: z.string().max(500).optional(),
    Title: z.string().max(16).optional(),
    GivenName: z.string().max(100).optional(),
    MiddleName: z.string().max(100).optional(),
    FamilyName: z.string().max(100).optional(),
    Suffix: z.string().max(16).optional(),
    CompanyName: z.string().max(100).optional(),
    PrintOnCheckName: z.string().max(110).optional(),
    PrimaryEmailAddr: z
      .object({ Address: z.string().max(100) })
      .strict()
      .optional(),
    PrimaryPhone: Phone.optional(),
    AlternatePhone: Phone.optional(),
    Mobile: Phone.optional(),
    Fax: Phone.optional(),
    WebAddr: z
      .object({ URI: z.string().max(1000) })
      .strict()
      .optional(),
    BillAddr: Address.optional(),
    ShipAddr: Address.optional(),
    Notes: z.string().max(2000).optional(),
    ParentRef: Ref.optional(),
    Job: z.boolean().optional(),
    BillWithParent: z.boolean().optional(),
    SalesTermRef: Ref.optional(),
    Taxable: z.boolean().optional(),
    PreferredDeliveryMethod: z.enum(['Print', 'Email', 'None']).optional(),
    Balance: z.number().optional(),
    Active: z.boolean().optional(),
    CurrencyRef: Ref.optional(),
  })
  .strict();
export type CustomerInput = z.infer<typeof CustomerInput>;

export const InvoiceInput = z
  .object({
    customerId: z.string().min(1),
    amount: z.number().positive(),
    txnDate: IsoDate.optional(),
    dueDate: IsoDate.optional(),
    docNumber: z.string().max(21).optional(),
  })
  .strict();
export type InvoiceInput = z.infer<typeof InvoiceInput>;

export const PaymentInput = z
  .object({
    customerId: z.string().min(1),
    amount: z.number().positive(),
    txnDate: IsoDate.optional(),
    /** Invoices to apply the payment to, in order; oldest due first when absent. */
    invoiceIds: z.array(z.string()).optional(),
  })
  .strict();
export type PaymentInput = z.infer<typeof PaymentInput>;

/** Parses untrusted input, turning schema errors into QBO's 2010 "invalid or unsupported property" fault. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new QboValidationError(
    '2010',
    'Request has invalid or unsupported property',
    `Property Name:${path} specified is unsupported or invalid (${issue?.message ?? 'invalid'})`,
    path,
  );
}

/** A new address gets its own id; one the client sent is ignored. */
export function newAddress(id: string, address: NonNullable<CustomerInput['BillAddr']>): JsonObject {
  const fields = JsonObjectSchema.parse(address);
  return { ...fields, Id: id };
}

/** The fields of `input` named by `keys`, as JSON. */
export function pick(input: CustomerInput, keys: readonly (keyof CustomerInput)[]): JsonObject {
  const all = JsonObjectSchema.parse(input);
  const out: JsonObject = {};
  for (const key of keys) {
    const value = all[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
