import * as z from '../shared/zod-mini';
import { AuthError, PermanentError, RateLimitedError, TransientError } from '../shared/errors';
import { type Fetch, type HttpResponse, parseJson, request } from '../shared/http';
import { type RateLimit, RateWindow } from '../shared/rate-window';
import type { AccessTokenSource, QuickBooksClientConfig } from './client-config';
import { Semaphore } from '../shared/semaphore';
import { QboCustomer, QboDeletedEntity, QboInvoice, QboPayment, QboTerm } from '../sync/qbo-entities';
import { classifyQboResponse, QBO_THROTTLE_WAIT_MS } from './faults';
import { chunk, inList, quote } from './query';
import {
  CdcResponse,
  CompanyInfoResponse,
  type CustomerChanges,
  EntityArray,
  idOf,
  problemsOf,
  QueryResponse,
} from './responses';
import type { InvalidRecord } from '../sync/ports';

/** Under QBO's 10 requests/s and 500/min per realm, with room for the realm's other apps. */
export const QBO_RATE_LIMITS: readonly RateLimit[] = [
  { limit: 8, windowMs: 1000 },
  { limit: 400, windowMs: 60_000 },
];

export const QBO_PAGE_SIZE = 1000;
const GET_URL_LIMIT = 1800;

/** The QBO Accounting API v3 for one company (realm). */
export class QuickBooksClient {
  /** Calls made, for metrics and benchmarks. */
  calls = 0;
  private readonly semaphore: Semaphore;
  private readonly pacer: RateWindow | undefined;
  private termCache: { names: Map<string, string>; until: number } | undefined;
  private termRead: Promise<Map<string, string>> | undefined;

  constructor(
    private readonly config: QuickBooksClientConfig,
    private readonly tokens: AccessTokenSource,
    private readonly fetchImpl: Fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {
    this.semaphore = new Semaphore(config.maxConcurrent ?? 4);
    this.pacer = config.rateLimits ? new RateWindow(config.rateLimits) : undefined;
  }

  /** Reads customers by id, inactive ones included: one query per `idsPerQuery` ids. */
  async readCustomers(
    ids: readonly string[],
  ): Promise<{ customers: QboCustomer[]; invalid: InvalidRecord[]; missing: string[] }> {
    const unique = [...new Set(ids)];
    const customers: QboCustomer[] = [];
    const invalid: InvalidRecord[] = [];
    for (const row of await this.queryByIds(
      'Customer',
      unique,
      (list) => `WHERE Id IN ${list} AND Active IN (true,false)`,
    )) {
      const parsed = QboCustomer.safeParse(row);
      if (parsed.success) customers.push(parsed.data);
      else invalid.push({ id: idOf(row), problems: problemsOf(parsed.error) });
    }
    const found = new Set([...customers.map((c) => c.Id), ...invalid.map((i) => i.id)]);
    return { customers, invalid, missing: unique.filter((id) => !found.has(id)) };
  }

  /**
   * Every customer, inactive ones included, oldest change first, a page (≤ 1,000) at a time, with
   * the QBO time of each page's answer (the backfill starts the CDC cursor at its first read).
   */
  async *customerPages(
    updatedSince?: string,
  ): AsyncGenerator<{ customers: QboCustomer[]; invalid: InvalidRecord[]; time: string | undefined }> {
    const since = updatedSince ? ` AND MetaData.LastUpdatedTime >= ${quote(updatedSince)}` : '';
    for (let start = 1; ; start += QBO_PAGE_SIZE) {
      const { rows, time } = await this.queryPage(
        'Customer',
        `WHERE Active IN (true,false)${since} ORDERBY MetaData.LastUpdatedTime, Id`,
        start,
      );
      const customers: QboCustomer[] = [];
      const invalid: InvalidRecord[] = [];
      for (const row of rows) {
        const parsed = QboCustomer.safeParse(row);
        if (parsed.success) customers.push(parsed.data);
        else invalid.push({ id: idOf(row), problems: problemsOf(parsed.error) });
      }
      // The first page is yielded even when empty: its time is when the read began.
      if (rows.length > 0 || start === 1) yield { customers, invalid, time };
      if (rows.length < QBO_PAGE_SIZE) return;
    }
  }

  /** Invoices or payments changed since a time, oldest change first, a page at a time (a capped CDC answer's fallback). */
  async *transactionPages(
    entity: 'Invoice' | 'Payment',
    updatedSince: string,
  ): AsyncGenerator<(QboInvoice | QboPayment)[]> {
    const schema = entity === 'Invoice' ? QboInvoice : QboPayment;
    for (let start = 1; ; start += QBO_PAGE_SIZE) {
      const { rows } = await this.queryPage(
        entity,
        `WHERE MetaData.LastUpdatedTime >= ${quote(updatedSince)} ORDERBY MetaData.LastUpdatedTime, Id`,
        start,
      );
      const parsed: (QboInvoice | QboPayment)[] = [];
      for (const row of rows) {
        const transaction = schema.safeParse(row);
        if (transaction.success) parsed.push(transaction.data);
      }
      if (parsed.length > 0) yield parsed;
      if (rows.length < QBO_PAGE_SIZE) return;
    }
  }

  /** Every open invoice, a page at a time (decision 60); the CDC poll, started before, catches payments made meanwhile. */
  async *openInvoicePages(): AsyncGenerator<QboInvoice[]> {
    for (let start = 1; ; start += QBO_PAGE_SIZE) {
      const { rows } = await this.queryPage('Invoice', `WHERE Balance > '0' ORDERBY Id`, start);
      const invoices: QboInvoice[] = [];
      for (const row of rows) {
        const invoice = QboInvoice.safeParse(row);
        if (invoice.success) invoices.push(invoice.data);
      }
      yield invoices;
      if (rows.length < QBO_PAGE_SIZE) return;
    }
  }

  /** Sub-customers of the given customers (one level), inactive ones included. Filtering by ParentRef is unverified at Intuit. */
  async childrenOf(parentIds: readonly string[]): Promise<QboCustomer[]> {
    const rows = await this.queryByIds(
      'Customer',
      parentIds,
      (list) => `WHERE ParentRef IN ${list} AND Active IN (true,false)`,
    );
    return rows.flatMap((row) => {
      const parsed = QboCustomer.safeParse(row);
      return parsed.success ? [parsed.data] : [];
    });
  }

  async countCustomers(where = 'WHERE Active IN (true,false)'): Promise<number> {
    const body = await this.query(`SELECT COUNT(*) FROM Customer ${where}`);
    return z.catch(z.number(), 0).parse(body.totalCount);
  }

  /** CDC for customers and the transactions that move their balances (FACTS §3). */
  async changes(
    since: string,
    entities: readonly string[] = ['Customer', 'Invoice', 'Payment'],
  ): Promise<CustomerChanges> {
    const url = this.url('cdc', { entities: entities.join(','), changedSince: since });
    const body = CdcResponse.safeParse(parseJson((await this.call(url)).text));
    if (!body.success) throw new PermanentError('QuickBooks CDC answer has no CDCResponse', { system: 'quickbooks' });
    const result: CustomerChanges = {
      customers: [],
      deletedCustomerIds: [],
      invoices: [],
      payments: [],
      invalid: [],
      capped: [],
      time: body.data.time,
    };
    for (const part of body.data.CDCResponse[0]?.QueryResponse ?? []) {
      for (const [entity, value] of Object.entries(part)) {
        const rows = EntityArray.safeParse(value);
        if (!rows.success) continue;
        if (rows.data.length >= QBO_PAGE_SIZE) result.capped.push(entity);
        for (const row of rows.data) this.collectChange(entity, row, result);
      }
    }
    return result;
  }

  /** Customer ids behind invoices or payments (an Invoice webhook means "refresh this customer"). */
  async customersOf(entity: 'Invoice' | 'Payment', ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const row of await this.queryByIds(entity, ids, (list) => `WHERE Id IN ${list}`)) {
      const parsed = (entity === 'Invoice' ? QboInvoice : QboPayment).safeParse(row);
      if (parsed.success) out.set(parsed.data.Id, parsed.data.CustomerRef.value);
    }
    return out;
  }

  /**
   * Overdue balance per customer: the open balance of invoices past due on `today`
   * (FACTS §4.4 option A; `Customer.Balance` is the whole open balance, not the overdue part).
   */
  async overdueBalances(customerIds: readonly string[], today: string): Promise<Map<string, number>> {
    const out = new Map<string, number>(customerIds.map((id) => [id, 0]));
    const where = (list: string) => `WHERE CustomerRef IN ${list} AND Balance > '0' AND DueDate < ${quote(today)}`;
    for (const row of await this.queryByIds('Invoice', customerIds, where)) {
      const invoice = QboInvoice.safeParse(row);
      if (!invoice.success) continue;
      const id = invoice.data.CustomerRef.value;
      out.set(id, Math.round(((out.get(id) ?? 0) + invoice.data.Balance) * 100) / 100);
    }
    return out;
  }

  /** Open invoices (balance above zero) of the given customers, whatever their due date (decision 65). */
  async openInvoicesOf(customerIds: readonly string[]): Promise<QboInvoice[]> {
    const rows = await this.queryByIds(
      'Invoice',
      customerIds,
      (list) => `WHERE CustomerRef IN ${list} AND Balance > '0'`,
    );
    return rows.flatMap((row) => {
      const invoice = QboInvoice.safeParse(row);
      return invoice.success ? [invoice.data] : [];
    });
  }

  /** Term names by id, inactive ones included, cached (terms change rarely). */
  async termNames(): Promise<Map<string, string>> {
    if (this.termCache && this.termCache.until > this.now()) return this.termCache.names;
    // Single-flight: batches prepared at once share one read.
    this.termRead ??= this.readTermNames().finally(() => {
      this.termRead = undefined;
    });
    return this.termRead;
  }

  private async readTermNames(): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const row of await this.queryAll('Term', 'WHERE Active IN (true,false)')) {
      const term = QboTerm.safeParse(row);
      if (term.success) names.set(term.data.Id, term.data.Name);
    }
    this.termCache = { names, until: this.now() + (this.config.termCacheMs ?? 3_600_000) };
    return names;
  }

  async companyInfo(): Promise<{ companyName: string; country: string | undefined }> {
    const response = await this.call(this.url(`companyinfo/${encodeURIComponent(this.config.realmId)}`));
    const body = CompanyInfoResponse.safeParse(parseJson(response.text));
    if (!body.success)
      throw new PermanentError('QuickBooks CompanyInfo answer is not understood', { system: 'quickbooks' });
    return { companyName: body.data.CompanyInfo.CompanyName, country: body.data.CompanyInfo.Country };
  }

  /** Every row of a query over ids, one query per `idsPerQuery` of them. */
  private async queryByIds(
    entity: string,
    ids: readonly string[],
    where: (list: string) => string,
  ): Promise<unknown[]> {
    const rows: unknown[] = [];
    for (const batch of chunk([...new Set(ids)], this.config.idsPerQuery ?? 100))
      rows.push(...(await this.queryAll(entity, where(inList(batch)))));
    return rows;
  }

  /** Every row of a query, page by page. */
  async queryAll(entity: string, where: string): Promise<unknown[]> {
    const rows: unknown[] = [];
    for (let start = 1; ; start += QBO_PAGE_SIZE) {
      const page = await this.queryPage(entity, where, start);
      rows.push(...page.rows);
      if (page.rows.length < QBO_PAGE_SIZE) return rows;
    }
  }

  private async queryPage(
    entity: string,
    where: string,
    start: number,
  ): Promise<{ rows: unknown[]; time: string | undefined }> {
    const { body, time } = await this.queryWithTime(
      `SELECT * FROM ${entity} ${where} STARTPOSITION ${start} MAXRESULTS ${QBO_PAGE_SIZE}`,
    );
    // A page past the end has no entity key at all (FACTS §0.6).
    const rows = EntityArray.safeParse(body[entity]);
    return { rows: rows.success ? rows.data : [], time };
  }

  private async query(statement: string): Promise<Record<string, unknown>> {
    return (await this.queryWithTime(statement)).body;
  }

  /** A query's QueryResponse and the answer's `time` (QBO's clock, when it sends one). */
  private async queryWithTime(statement: string): Promise<{ body: Record<string, unknown>; time: string | undefined }> {
    const getUrl = this.url('query', { query: statement });
    const response =
      getUrl.length <= GET_URL_LIMIT
        ? await this.call(getUrl)
        : await this.call(this.url('query'), { method: 'POST', body: statement, contentType: 'application/text' });
    const parsed = QueryResponse.safeParse(parseJson(response.text));
    if (!parsed.success)
      throw new PermanentError('QuickBooks query answer has no QueryResponse', { system: 'quickbooks' });
    const time = z.string().safeParse(parsed.data.time);
    return { body: parsed.data.QueryResponse, time: time.success ? time.data : undefined };
  }

  private collectChange(entity: string, row: unknown, result: CustomerChanges): void {
    if (entity === 'Customer') {
      const deleted = QboDeletedEntity.safeParse(row);
      if (deleted.success) {
        result.deletedCustomerIds.push(deleted.data.Id);
        return;
      }
      const customer = QboCustomer.safeParse(row);
      if (customer.success) result.customers.push(customer.data);
      else result.invalid.push({ id: idOf(row), problems: problemsOf(customer.error) });
    } else if (entity === 'Invoice') {
      const invoice = QboInvoice.safeParse(row);
      if (invoice.success) result.invoices.push(invoice.data);
    } else if (entity === 'Payment') {
      const payment = QboPayment.safeParse(row);
      if (payment.success) result.payments.push(payment.data);
    }
  }

  private url(path: string, params: Record<string, string> = {}): string {
    const base = `${this.config.apiBaseUrl.replace(/\/$/, '')}/v3/company/${encodeURIComponent(this.config.realmId)}/${path}`;
    // Percent-encoding (%20), as Intuit's examples do, rather than form encoding (+).
    const query = Object.entries({ ...params, minorversion: String(this.config.minorVersion ?? 75) })
      .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
      .join('&');
    return `${base}?${query}`;
  }

  /** One API call: bearer token, timeout, classification; a 401 refreshes (single-flight) and retries once, then is transient. */
  private async call(
    url: string,
    options: { method?: string; body?: string; contentType?: string } = {},
  ): Promise<HttpResponse> {
    let token = await this.tokens.accessToken();
    let rateLimitedAttempts = 0;
    for (let attempt = 0; ; attempt++) {
      const response = await this.semaphore.run(async () => {
        await this.pacer?.acquire();
        const leave = await this.config.gate?.enter();
        this.calls++;
        try {
          return await request(this.fetchImpl, 'quickbooks', url, {
            method: options.method ?? 'GET',
            headers: {
              authorization: `Bearer ${token}`,
              accept: 'application/json',
              ...(options.contentType ? { 'content-type': options.contentType } : {}),
            },
            ...(options.body !== undefined ? { body: options.body } : {}),
            timeoutMs: this.config.timeoutMs,
          });
        } finally {
          await leave?.();
        }
      });
      const error = classifyQboResponse(response);
      if (!error) return response;
      if (error instanceof RateLimitedError) await this.config.gate?.throttled(error.retryAfterMs);
      const retries = this.config.rateLimitedRetries;
      if (error instanceof RateLimitedError && retries && rateLimitedAttempts < retries.attempts) {
        rateLimitedAttempts++;
        await retries.sleep(Math.min(error.retryAfterMs, QBO_THROTTLE_WAIT_MS));
        continue;
      }
      if (error instanceof AuthError && response.status === 401 && attempt === 0) {
        token = await this.tokens.refreshAfterRejection(token);
        continue;
      }
      // Refused again just after a refresh: the grant is alive (a dead one fails the refresh with invalid_grant),
      // so the token died in between; retry later rather than lock the connection out.
      if (error instanceof AuthError && response.status === 401)
        throw new TransientError('QuickBooks refused a freshly refreshed access token (HTTP 401)', {
          system: 'quickbooks',
          status: 401,
        });
      throw error;
    }
  }
}
