import type { Company } from './company';
import {
  checkNames,
  checkUniqueName,
  children,
  deriveDisplayName,
  pseudonym,
  qualifiedName,
  renameChildren,
} from './customer-names';
import {
  isJsonObject,
  type JsonObject,
  JsonObjectSchema,
  numberField,
  objectField,
  refValue,
  stringField,
} from './json';
import {
  CLEARED_BY_FULL_UPDATE,
  type CustomerInput,
  type InvoiceInput,
  newAddress,
  type PaymentInput,
  pick,
  QboValidationError,
} from './ledger-inputs';
import { DAY_MS, formatLocalDate } from './time';

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

const money = (value: number) => Math.round(value * 100) / 100;

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
    checkNames({ ...input, DisplayName: displayName });
    checkUniqueName(this.company, displayName);
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
    checkNames({ ...input, DisplayName: nextName });
    if (input.DisplayName !== undefined && input.DisplayName !== stringField(current, 'DisplayName')) {
      checkUniqueName(this.company, input.DisplayName, id);
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
      if (input.DisplayName !== undefined)
        record.FullyQualifiedName = qualifiedName(this.company, record, input.DisplayName);
    });
    if (input.DisplayName !== undefined) renameChildren(this.company, id);
    return updated;
  }

  /** "Deleting" a customer in QBO makes it inactive and appends " (deleted)" to its name. */
  deactivateCustomer(id: string): JsonObject {
    for (const child of children(this.company, id)) {
      if (child.Active === true) this.deactivateCustomer(stringField(child, 'Id') ?? '');
    }
    return this.company.update(
      'Customer',
      id,
      (record) => {
        record.Active = false;
        const name = stringField(record, 'DisplayName') ?? '';
        if (!name.endsWith(' (deleted)')) record.DisplayName = `${name} (deleted)`;
        record.FullyQualifiedName = qualifiedName(this.company, record, stringField(record, 'DisplayName') ?? '');
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
      record.FullyQualifiedName = qualifiedName(this.company, record, name);
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
    // Its sub-customers would move under the survivor, which is one of them: a cycle. QBO refuses a
    // merge into one's own sub-customer (unverified for deeper levels: refused at every level, decision 6).
    for (
      let id = refValue(this.liveCustomer(survivorId), 'ParentRef');
      id !== undefined;
      id = refValue(this.liveCustomer(id), 'ParentRef')
    )
      if (id === loserId)
        throw new QboValidationError(
          '6000',
          'A business validation error has occurred while processing your request',
          'Business Validation Error: a customer cannot be merged into one of its own sub-customers.',
        );
    for (const entity of ['Invoice', 'Payment']) {
      for (const stored of this.company.all(entity)) {
        if (stored.deleted || refValue(stored.record, 'CustomerRef') !== loserId) continue;
        this.company.update(entity, stringField(stored.record, 'Id') ?? '', (record) => {
          record.CustomerRef = { value: survivorId, name: this.customerName(survivorId) };
        });
      }
    }
    for (const child of children(this.company, loserId)) {
      const childId = stringField(child, 'Id') ?? '';
      this.company.update('Customer', childId, (record) => {
        record.ParentRef = { value: survivorId };
        record.FullyQualifiedName = qualifiedName(this.company, record, stringField(record, 'DisplayName') ?? '');
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

  private customerName(id: string): string {
    return stringField(this.liveCustomer(id), 'DisplayName') ?? '';
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
