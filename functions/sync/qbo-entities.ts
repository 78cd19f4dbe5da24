import * as z from '../shared/zod-mini';

/**
 * QBO entities as the connector reads them. Lenient on purpose (FACTS §0.10): unknown fields pass
 * through, and a malformed optional field (`Lat: "INVALID"`, a number where a string was expected)
 * is dropped rather than failing the record. Only what identifies and orders a record is strict.
 */
const optionalString = z.catch(z.optional(z.string()), undefined);
const optionalNumber = z.catch(z.optional(z.number()), undefined);
const optionalBoolean = z.catch(z.optional(z.boolean()), undefined);

export const QboRef = z.looseObject({ value: z.string(), name: optionalString });
export type QboRef = z.infer<typeof QboRef>;

export const QboAddress = z.looseObject({
  Id: optionalString,
  Line1: optionalString,
  Line2: optionalString,
  Line3: optionalString,
  Line4: optionalString,
  Line5: optionalString,
  City: optionalString,
  CountrySubDivisionCode: optionalString,
  PostalCode: optionalString,
  Country: optionalString,
  Lat: optionalString,
  Long: optionalString,
});
export type QboAddress = z.infer<typeof QboAddress>;

export const QboMetaData = z.looseObject({
  CreateTime: optionalString,
  LastUpdatedTime: z.string(),
});

const optionalRef = z.catch(z.optional(QboRef), undefined);
const optionalAddress = z.catch(z.optional(QboAddress), undefined);
const optionalEmail = z.catch(z.optional(z.looseObject({ Address: optionalString })), undefined);
const optionalPhone = z.catch(z.optional(z.looseObject({ FreeFormNumber: optionalString })), undefined);

export const QboCustomer = z.looseObject({
  Id: z.string().check(z.minLength(1)),
  SyncToken: z.string(),
  MetaData: QboMetaData,
  DisplayName: z.string(),
  CompanyName: optionalString,
  Title: optionalString,
  GivenName: optionalString,
  MiddleName: optionalString,
  FamilyName: optionalString,
  Suffix: optionalString,
  FullyQualifiedName: optionalString,
  Active: z.catch(z.boolean(), true),
  Job: optionalBoolean,
  Level: optionalNumber,
  ParentRef: optionalRef,
  BillWithParent: optionalBoolean,
  Balance: optionalNumber,
  BalanceWithJobs: optionalNumber,
  CurrencyRef: optionalRef,
  SalesTermRef: optionalRef,
  PrimaryEmailAddr: optionalEmail,
  PrimaryPhone: optionalPhone,
  Mobile: optionalPhone,
  AlternatePhone: optionalPhone,
  Fax: optionalPhone,
  WebAddr: z.catch(z.optional(z.looseObject({ URI: optionalString })), undefined),
  BillAddr: optionalAddress,
  ShipAddr: optionalAddress,
  Notes: optionalString,
});
export type QboCustomer = z.infer<typeof QboCustomer>;

/** What CDC returns for a deleted entity (a merged-away customer): only its id and time. */
export const QboDeletedEntity = z.looseObject({
  Id: z.string().check(z.minLength(1)),
  status: z.literal('Deleted'),
  MetaData: QboMetaData,
});
export type QboDeletedEntity = z.infer<typeof QboDeletedEntity>;

export const QboTerm = z.looseObject({
  Id: z.string().check(z.minLength(1)),
  Name: z.string(),
  Active: z.catch(z.boolean(), true),
  DueDays: optionalNumber,
});
export type QboTerm = z.infer<typeof QboTerm>;

export const QboInvoice = z.looseObject({
  Id: z.string().check(z.minLength(1)),
  SyncToken: optionalString,
  MetaData: z.catch(z.optional(QboMetaData), undefined),
  CustomerRef: QboRef,
  Balance: z.catch(z.number(), 0),
  TotalAmt: optionalNumber,
  DueDate: optionalString,
  TxnDate: optionalString,
});
export type QboInvoice = z.infer<typeof QboInvoice>;

export const QboPayment = z.looseObject({
  Id: z.string().check(z.minLength(1)),
  MetaData: z.catch(z.optional(QboMetaData), undefined),
  CustomerRef: QboRef,
  TotalAmt: optionalNumber,
});
export type QboPayment = z.infer<typeof QboPayment>;
