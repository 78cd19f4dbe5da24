import { z } from 'zod';
import type { Company } from './company';
import {
  isJsonObject,
  type JsonObject,
  JsonObjectSchema,
  numberField,
  objectField,
  refValue,
  stringField,
} from './json';
import { DAY_MS, formatLocalDate } from './time';

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

export interface LedgerOptions {
  /**
   * Whether an invoice or payment also stamps the customer (SyncToken, LastUpdatedTime, an
   * Update webhook). Unverified at Intuit (decision 6); the default is the harder case
   * for a connector: the balance changes silently and only the Invoice/Payment events say so.
   */
  balanceChangeTouchesCustomer: boolean;
  /** Operation announced when a customer is made inactive: unverified whether Update or Delete (FACTS §2.1). */
  deactivateOperation: 'Update' | 'Delete';
}

/** Optional writable Customer fields a full (non-sparse) update clears when the body omits them. */
const CLEARED_BY_FULL_UPDATE = [
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

const money = (value: number) => Math.round(value * 100) / 100;
const NAME_FORBIDDEN = /[:\t\n]/;

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
    PrimaryPhone: z
      .object({ FreeFormNumber: z.string().max(30) })
      .strict()
      .optional(),
    AlternatePhone: z
      .object({ FreeFormNumber: z.string().max(30) })
      .strict()
      .optional(),
    Mobile: z
      .object({ FreeFormNumber: z.string().max(30) })
      .strict()
      .optional(),
    Fax: z
      .object({ FreeFormNumber: z.string().max(30) })
      .strict()
      .optional(),
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
    txnDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
    dueDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
    docNumber: z.string().max(21).optional(),
  })
  .strict();
export type InvoiceInput = z.infer<typeof InvoiceInput>;

export const PaymentInput = z
  .object({
    customerId: z.string().min(1),
    amount: z.number().positive(),
    txnDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
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

/**
 * The company's books: customers with QBO's business rules, terms, invoices and payments,
 * and the customer balances they move.
 */
export class Ledger {
  constructor(
    readonly company: Company,
    private readonly options: LedgerOptions,
  ) {}

  createCustomer(input: CustomerInput): JsonObject {
    const displayName = input.DisplayName ?? deriveDisplayName(input);
    if (!displayName) {
      throw new QboValidationError(
        '6000',
        'A business validation error has occurred while processing your request',
        'Business Validation Error: You must specify a Display Name or at least one name part.',
      );
    }
    this.checkNames({ ...input, DisplayName: displayName });
    this.checkUniqueName(displayName);
    const parent = input.ParentRef ? this.liveCustomer(input.ParentRef.value) : undefined;
    const level = parent ? (numberField(parent, 'Level') ?? 0) + 1 : 0;
    if (level > 4)
      throw new QboValidationError(
        '6000',
        'A business validation error has occurred while processing your request',
        'Business Validation Error: Sub-customers can be nested at most 4 levels deep.',
      );
    const balance = money(input.Balance ?? 0);
    const fields: JsonObject = {
      Taxable: input.Taxable ?? false,
      ...(input.BillAddr ? { BillAddr: newAddress(this.company.newId(), input.BillAddr) } : {}),
      ...(input.ShipAddr ? { ShipAddr: newAddress(this.company.newId(), input.ShipAddr) } : {}),
      ...(input.Notes !== undefined ? { Notes: input.Notes } : {}),
      Job: parent !== undefined,
      BillWithParent: input.BillWithParent ?? false,
      ...(parent ? { ParentRef: { value: input.ParentRef?.value ?? '' }, Level: level } : {}),
      Balance: balance,
      BalanceWithJobs: balance,
      ...(input.SalesTermRef ? { SalesTermRef: { value: input.SalesTermRef.value } } : {}),
      CurrencyRef: input.CurrencyRef ?? { value: 'USD', name: 'United States Dollar' },
      PreferredDeliveryMethod: input.PreferredDeliveryMethod ?? 'Print',
      ...pick(input, ['Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix']),
      FullyQualifiedName: parent ? `${stringField(parent, 'FullyQualifiedName') ?? ''}:${displayName}` : displayName,
      ...(input.CompanyName !== undefined ? { CompanyName: input.CompanyName } : {}),
      DisplayName: displayName,
      PrintOnCheckName: input.PrintOnCheckName ?? displayName.slice(0, 110),
      Active: input.Active ?? true,
      ...pick(input, ['PrimaryPhone', 'AlternatePhone', 'Mobile', 'Fax', 'PrimaryEmailAddr', 'WebAddr']),
      V4IDPseudonym: pseudonym(this.company.realmId, displayName),
      IsProject: false,
      ClientEntityId: '0',
    };
    if (input.SalesTermRef) this.liveRecord('Term', input.SalesTermRef.value);
    const created = this.company.create('Customer', fields);
    if (balance !== 0 && parent) this.moveBalance(stringField(created, 'Id') ?? '', 0, true);
    return created;
  }

  /**
   * An update. Sparse (the default): only the given fields change. Full (`clearOmitted`): the
   * optional writable fields the body leaves out are cleared, as QBO's full update sets them to null.
   */
  updateCustomer(id: string, input: CustomerInput, options: { clearOmitted?: boolean } = {}): JsonObject {
    const current = this.liveCustomer(id);
    const movesParent = input.ParentRef !== undefined && input.ParentRef.value !== refValue(current, 'ParentRef');
    if (movesParent || (input.Job !== undefined && input.Job !== current.Job)) {
      throw new QboValidationError(
        '6000',
        'A business validation error has occurred while processing your request',
        'Business Validation Error: moving a customer in the hierarchy is not supported by the sandbox.',
      );
    }
    const nextName = input.DisplayName ?? stringField(current, 'DisplayName') ?? '';
    this.checkNames({ ...input, DisplayName: nextName });
    if (input.DisplayName !== undefined && input.DisplayName !== stringField(current, 'DisplayName')) {
      this.checkUniqueName(input.DisplayName, id);
    }
    if (input.SalesTermRef) this.liveRecord('Term', input.SalesTermRef.value);
    const patch = JsonObjectSchema.parse(input);
    const updated = this.company.update('Customer', id, (record) => {
      if (options.clearOmitted) {
        for (const key of CLEARED_BY_FULL_UPDATE) if (!(key in patch)) Reflect.deleteProperty(record, key);
      }
      for (const [key, value] of Object.entries(patch)) {
        if (key === 'Balance') continue;
        if ((key === 'BillAddr' || key === 'ShipAddr') && isJsonObject(value)) {
          const existing = objectField(record, key);
          record[key] = { Id: (existing && stringField(existing, 'Id')) ?? this.company.newId(), ...value };
        } else {
          record[key] = value;
        }
      }
      if (input.DisplayName !== undefined) record.FullyQualifiedName = this.qualifiedName(record, input.DisplayName);
    });
    if (input.DisplayName !== undefined) this.renameChildren(id);
    return updated;
  }

  /** "Deleting" a customer in QBO makes it inactive and appends " (deleted)" to its name. */
  deactivateCustomer(id: string): JsonObject {
    for (const child of this.children(id)) {
      if (child.Active === true) this.deactivateCustomer(stringField(child, 'Id') ?? '');
    }
    return this.company.update(
      'Customer',
      id,
      (record) => {
        record.Active = false;
        const name = stringField(record, 'DisplayName') ?? '';
        if (!name.endsWith(' (deleted)')) record.DisplayName = `${name} (deleted)`;
        record.FullyQualifiedName = this.qualifiedName(record, stringField(record, 'DisplayName') ?? '');
      },
      { operation: this.options.deactivateOperation },
    );
  }

  reactivateCustomer(id: string): JsonObject {
    const stored = this.company.get('Customer', id);
    if (!stored || stored.deleted) throw this.notFound('Customer', id);
    return this.company.update('Customer', id, (record) => {
      record.Active = true;
      const name = (stringField(record, 'DisplayName') ?? '').replace(/ \(deleted\)$/, '');
      record.DisplayName = name;
      record.FullyQualifiedName = this.qualifiedName(record, name);
    });
  }

  /**
   * Merges `loserId` into `survivorId`: the loser's transactions and sub-customers move to the
   * survivor, the loser is deleted, and a Merge event names the survivor with `deletedId`.
   */
  mergeCustomers(loserId: string, survivorId: string): JsonObject {
    if (loserId === survivorId)
      throw new QboValidationError(
        '6000',
        'A business validation error has occurred while processing your request',
        'Business Validation Error: a customer cannot be merged into itself.',
      );
    const loser = this.liveCustomer(loserId);
    this.liveCustomer(survivorId);
    for (const entity of ['Invoice', 'Payment']) {
      for (const stored of this.company.all(entity)) {
        if (stored.deleted || refValue(stored.record, 'CustomerRef') !== loserId) continue;
        this.company.update(entity, stringField(stored.record, 'Id') ?? '', (record) => {
          record.CustomerRef = { value: survivorId, name: this.customerName(survivorId) };
        });
      }
    }
    for (const child of this.children(loserId)) {
      const childId = stringField(child, 'Id') ?? '';
      this.company.update('Customer', childId, (record) => {
        record.ParentRef = { value: survivorId };
        record.FullyQualifiedName = this.qualifiedName(record, stringField(record, 'DisplayName') ?? '');
      });
    }
    const loserBalance = numberField(loser, 'Balance') ?? 0;
    this.company.remove('Customer', loserId, { announce: false });
    this.company.update(
      'Customer',
      survivorId,
      (record) => {
        record.Balance = money((numberField(record, 'Balance') ?? 0) + loserBalance);
      },
      { operation: 'Merge', deletedId: loserId },
    );
    this.rollUpBalances();
    return structuredClone(this.liveCustomer(survivorId));
  }

  /** Recomputes every BalanceWithJobs from the Balances of a customer and its sub-customers (after a merge re-shapes the tree). */
  private rollUpBalances(): void {
    const live = this.company.all('Customer').filter((stored) => !stored.deleted);
    const totals = new Map<string, number>();
    for (const { record } of live) {
      const balance = numberField(record, 'Balance') ?? 0;
      const seen = new Set<string>();
      for (
        let id: string | undefined = stringField(record, 'Id');
        id !== undefined && !seen.has(id);
        id = refValue(this.company.get('Customer', id)?.record ?? {}, 'ParentRef')
      ) {
        seen.add(id);
        totals.set(id, money((totals.get(id) ?? 0) + balance));
      }
    }
    for (const { record } of live) {
      const id = stringField(record, 'Id') ?? '';
      const total = totals.get(id) ?? 0;
      if (numberField(record, 'BalanceWithJobs') !== total)
        this.company.update('Customer', id, (r) => (r.BalanceWithJobs = total), { touch: false });
    }
  }

  createTerm(fields: { Name: string; DueDays?: number; DiscountPercent?: number; DiscountDays?: number }): JsonObject {
    return this.company.create('Term', { ...fields, Active: true, Type: 'STANDARD' });
  }

  createInvoice(input: InvoiceInput): JsonObject {
    const customer = this.liveCustomer(input.customerId);
    const now = this.company.now();
    const txnDate = input.txnDate ?? formatLocalDate(now, this.company.utcOffsetMinutes);
    const dueDate = input.dueDate ?? this.dueDateFor(customer, txnDate);
    const amount = money(input.amount);
    const termId = refValue(customer, 'SalesTermRef');
    const invoice = this.company.create('Invoice', {
      DocNumber: input.docNumber ?? String(1000 + this.company.all('Invoice').length + 1),
      TxnDate: txnDate,
      CurrencyRef: { value: 'USD', name: 'United States Dollar' },
      Line: [
        {
          Id: '1',
          LineNum: 1,
          Description: 'Services',
          Amount: amount,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: {
            ItemRef: { value: '1', name: 'Services' },
            UnitPrice: amount,
            Qty: 1,
            TaxCodeRef: { value: 'NON' },
          },
        },
        { Amount: amount, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} },
      ],
      CustomerRef: { value: input.customerId, name: stringField(customer, 'DisplayName') ?? '' },
      ...(termId ? { SalesTermRef: { value: termId } } : {}),
      DueDate: dueDate,
      TotalAmt: amount,
      Balance: amount,
    });
    this.moveBalance(input.customerId, amount, this.options.balanceChangeTouchesCustomer);
    return invoice;
  }

  /** Applies a payment to the customer's open invoices (oldest due first unless named). */
  createPayment(input: PaymentInput): JsonObject {
    this.liveCustomer(input.customerId);
    const open = this.openInvoices(input.customerId);
    const targets = input.invoiceIds
      ? input.invoiceIds.map((id) => {
          const found = open.find((invoice) => stringField(invoice, 'Id') === id);
          if (!found) throw this.notFound('Invoice', id);
          return found;
        })
      : open;
    let remaining = money(input.amount);
    const lines: JsonObject[] = [];
    const applied: { id: string; amount: number }[] = [];
    for (const invoice of targets) {
      if (remaining <= 0) break;
      const balance = numberField(invoice, 'Balance') ?? 0;
      const amount = money(Math.min(balance, remaining));
      if (amount <= 0) continue;
      const invoiceId = stringField(invoice, 'Id') ?? '';
      applied.push({ id: invoiceId, amount });
      lines.push({ Amount: amount, LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' }] });
      remaining = money(remaining - amount);
    }
    const payment = this.company.create('Payment', {
      CustomerRef: { value: input.customerId, name: this.customerName(input.customerId) },
      TxnDate: input.txnDate ?? formatLocalDate(this.company.now(), this.company.utcOffsetMinutes),
      CurrencyRef: { value: 'USD', name: 'United States Dollar' },
      TotalAmt: money(input.amount),
      UnappliedAmt: remaining,
      Line: lines,
    });
    for (const { id, amount } of applied) {
      this.company.update('Invoice', id, (record) => {
        record.Balance = money((numberField(record, 'Balance') ?? 0) - amount);
      });
    }
    this.moveBalance(input.customerId, -money(input.amount), this.options.balanceChangeTouchesCustomer);
    return payment;
  }

  /** Open invoices of a customer, oldest due date first. */
  openInvoices(customerId: string): JsonObject[] {
    return this.company
      .all('Invoice')
      .filter(
        (stored) =>
          !stored.deleted &&
          refValue(stored.record, 'CustomerRef') === customerId &&
          (numberField(stored.record, 'Balance') ?? 0) > 0,
      )
      .map((stored) => stored.record)
      .sort((a, b) => (stringField(a, 'DueDate') ?? '').localeCompare(stringField(b, 'DueDate') ?? ''));
  }

  /** Sum of open invoice balances past their due date, in the company's calendar. */
  overdueBalance(customerId: string): number {
    const today = formatLocalDate(this.company.now(), this.company.utcOffsetMinutes);
    return money(
      this.openInvoices(customerId)
        .filter((invoice) => (stringField(invoice, 'DueDate') ?? '9999') < today)
        .reduce((sum, invoice) => sum + (numberField(invoice, 'Balance') ?? 0), 0),
    );
  }

  /** Moves a customer's Balance and every ancestor's BalanceWithJobs by `delta`. */
  private moveBalance(customerId: string, delta: number, touch: boolean): void {
    if (delta === 0) return;
    let first = true;
    let currentId: string | undefined = customerId;
    while (currentId !== undefined) {
      const own = first;
      this.company.update(
        'Customer',
        currentId,
        (record) => {
          if (own) record.Balance = money((numberField(record, 'Balance') ?? 0) + delta);
          record.BalanceWithJobs = money((numberField(record, 'BalanceWithJobs') ?? 0) + delta);
        },
        { touch },
      );
      first = false;
      currentId = refValue(this.liveCustomer(currentId), 'ParentRef');
    }
  }

  private dueDateFor(customer: JsonObject, txnDate: string): string {
    const termId = refValue(customer, 'SalesTermRef');
    const term = termId ? this.company.read('Term', termId) : undefined;
    const days = (term && numberField(term, 'DueDays')) ?? 30;
    return new Date(Date.parse(`${txnDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
  }

  private children(parentId: string): JsonObject[] {
    return this.company
      .all('Customer')
      .filter((stored) => !stored.deleted && refValue(stored.record, 'ParentRef') === parentId)
      .map((stored) => stored.record);
  }

  private renameChildren(parentId: string): void {
    for (const child of this.children(parentId)) {
      const childId = stringField(child, 'Id') ?? '';
      this.company.update('Customer', childId, (record) => {
        record.FullyQualifiedName = this.qualifiedName(record, stringField(record, 'DisplayName') ?? '');
      });
      this.renameChildren(childId);
    }
  }

  private qualifiedName(record: JsonObject, displayName: string): string {
    const parentId = refValue(record, 'ParentRef');
    const parent = parentId ? this.company.read('Customer', parentId) : undefined;
    return parent ? `${stringField(parent, 'FullyQualifiedName') ?? ''}:${displayName}` : displayName;
  }

  private customerName(id: string): string {
    return stringField(this.liveCustomer(id), 'DisplayName') ?? '';
  }

  private checkNames(input: CustomerInput): void {
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

  private checkUniqueName(displayName: string, exceptId?: string): void {
    const taken = this.company
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

  private liveCustomer(id: string): JsonObject {
    return this.liveRecord('Customer', id);
  }

  private liveRecord(entity: string, id: string): JsonObject {
    const stored = this.company.get(entity, id);
    if (!stored || stored.deleted) throw this.notFound(entity, id);
    return stored.record;
  }

  private notFound(entity: string, id: string): QboValidationError {
    return new QboValidationError(
      '610',
      'Object Not Found',
      `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (${entity} ${id})`,
      '',
    );
  }
}

/** A new address gets its own id; one the client sent is ignored. */
function newAddress(id: string, address: NonNullable<CustomerInput['BillAddr']>): JsonObject {
  const fields = JsonObjectSchema.parse(address);
  return { ...fields, Id: id };
}

function deriveDisplayName(input: CustomerInput): string | undefined {
  const parts = [input.Title, input.GivenName, input.MiddleName, input.FamilyName, input.Suffix].filter((part) => part);
  if (parts.length > 0) return parts.join(' ');
  return input.CompanyName;
}

function pick(input: CustomerInput, keys: readonly (keyof CustomerInput)[]): JsonObject {
  const all = JsonObjectSchema.parse(input);
  const out: JsonObject = {};
  for (const key of keys) {
    const value = all[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** A stable opaque id like the `V4IDPseudonym` newer QBO responses carry. */
function pseudonym(realmId: string, name: string): string {
  let hash = 2166136261;
  for (const char of `${realmId}:${name}`) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619) >>> 0;
  return `00209${hash.toString(16).padStart(8, '0')}e4b14d9f8b0c3a7a5c1e2f0d`;
}
