import { SandboxClock } from '../shared/clock';
import { Counters } from '../shared/counters';
import { FaultInjector } from '../shared/faults';
import type { CdcOptions } from './cdc';
import { Company } from './company';
import type { JsonObject } from './json';
import { Ledger, type LedgerOptions } from './ledger';
import { IntuitOAuthServer, type OAuthApp, type OAuthOptions } from './oauth';
import { type ReferenceDataset, seedGenerated, seedReference } from './seed';
import { RealmThrottle, type ThrottleLimits } from './throttle';
import { WebhookEmitter, type WebhookOptions } from './webhooks';

export interface QuickBooksSandboxConfig {
  realmId: string;
  companyName: string;
  app: OAuthApp;
  verifierToken: string;
  /** Seed the default realm with generated customers, a reference dataset, or nothing. */
  seed: { count: number; seed: number } | { reference: ReferenceDataset } | false;
  throttle: ThrottleLimits | false;
  /** Batch calls per realm (FACTS §6.1: 40 per minute per realm and app), counted on top of `throttle`. */
  batchThrottle: ThrottleLimits | false;
  throttleFormat: 'xml' | 'json';
  oauth: Partial<OAuthOptions>;
  webhooks: Partial<Omit<WebhookOptions, 'verifierToken'>>;
  ledger: LedgerOptions;
  cdc: CdcOptions;
  faultSeed: number;
}

export const DEFAULT_REALM_ID = '9341455130166501';

export const DEFAULT_CONFIG: QuickBooksSandboxConfig = {
  realmId: DEFAULT_REALM_ID,
  companyName: 'Sandbox Company_US_1',
  app: {
    clientId: 'ABsandboxQuickBooksClientId0000000000000000000000',
    clientSecret: 'sandbox-quickbooks-client-secret-0000000000',
    redirectUris: [
      'http://localhost:8787/oauth/quickbooks/callback',
      'http://127.0.0.1:8787/oauth/quickbooks/callback',
    ],
  },
  verifierToken: 'sandbox-verifier-token-0000000000000000',
  seed: { count: 50, seed: 42 },
  throttle: { perSecond: 10, perMinute: 500 },
  batchThrottle: { perSecond: 40, perMinute: 40 },
  throttleFormat: 'xml',
  oauth: {},
  webhooks: {},
  ledger: { balanceChangeTouchesCustomer: false, deactivateOperation: 'Update' },
  cdc: { maxLookbackDays: 30, maxObjectsPerEntity: 1000 },
  faultSeed: 1,
};

/** Everything the QBO sandbox knows: companies, OAuth, webhooks, limits, faults and counters. */
export class QuickBooksSandboxState {
  readonly counters = new Counters();
  readonly faults: FaultInjector;
  readonly throttle: RealmThrottle;
  readonly batchThrottle: RealmThrottle;
  readonly oauth: IntuitOAuthServer;
  readonly webhooks: WebhookEmitter;
  throttleFormat: 'xml' | 'json';
  cdcOptions: CdcOptions;
  ledgerOptions: LedgerOptions;
  consentRealm: string | undefined;
  private readonly companies = new Map<string, Ledger>();

  constructor(
    readonly clock: SandboxClock,
    readonly config: QuickBooksSandboxConfig,
  ) {
    this.faults = new FaultInjector(config.faultSeed);
    this.throttle = new RealmThrottle(config.throttle);
    this.batchThrottle = new RealmThrottle(config.batchThrottle);
    this.throttleFormat = config.throttleFormat;
    this.cdcOptions = { ...config.cdc };
    this.ledgerOptions = { ...config.ledger };
    this.consentRealm = config.realmId;
    this.oauth = new IntuitOAuthServer(config.app, clock, this.counters, () => this.consentRealm, config.oauth);
    this.webhooks = new WebhookEmitter(clock, this.counters, config.app.clientId, {
      ...config.webhooks,
      verifierToken: config.verifierToken,
    });
    this.addCompany(config.realmId, config.companyName);
    this.seedDefault();
  }

  addCompany(realmId: string, companyName: string): Ledger {
    const existing = this.companies.get(realmId);
    if (existing) return existing;
    const company = new Company(
      { realmId, companyName, utcOffsetMinutes: -420, country: 'US' },
      this.clock,
      (event) => {
        this.webhooks.enqueue(event);
      },
    );
    const ledger = new Ledger(company, this.ledgerOptions);
    this.companies.set(realmId, ledger);
    return ledger;
  }

  company(realmId: string): Company | undefined {
    return this.companies.get(realmId)?.company;
  }

  requireCompany(realmId: string): Company {
    return this.ledger(realmId).company;
  }

  ledger(realmId: string): Ledger {
    const ledger = this.companies.get(realmId);
    if (!ledger) throw new Error(`unknown realm ${realmId}`);
    return ledger;
  }

  realms(): string[] {
    return [...this.companies.keys()];
  }

  companyInfo(realmId: string): JsonObject {
    const company = this.requireCompany(realmId);
    return {
      CompanyName: company.companyName,
      LegalName: company.companyName,
      CompanyAddr: {
        Id: '1',
        Line1: '123 Sierra Way',
        City: 'San Pablo',
        CountrySubDivisionCode: 'CA',
        PostalCode: '87999',
        Country: 'USA',
      },
      Country: company.country,
      SupportedLanguages: 'en',
      domain: 'QBO',
      sparse: false,
      Id: '1',
      SyncToken: '1',
      MetaData: {
        CreateTime: company.metaTime(company.now() - 365 * 86_400_000),
        LastUpdatedTime: company.metaTime(company.now() - 86_400_000),
      },
    };
  }

  seed(realmId: string, seed: QuickBooksSandboxConfig['seed']): number {
    const ledger = this.ledger(realmId);
    if (seed === false) return 0;
    if ('reference' in seed) return seedReference(ledger.company, seed.reference);
    return seedGenerated(ledger, seed).customers;
  }

  /** Forgets every company, token, delivery, fault and counter, and seeds the default realm again. */
  reset(): void {
    this.companies.clear();
    this.counters.reset();
    this.faults.clear(this.config.faultSeed);
    this.throttle.reset();
    this.batchThrottle.reset();
    this.webhooks.reset();
    this.oauth.reset();
    this.consentRealm = this.config.realmId;
    this.addCompany(this.config.realmId, this.config.companyName);
    this.seedDefault();
  }

  private seedDefault(): void {
    this.seed(this.config.realmId, this.config.seed);
  }
}

export { SandboxClock };
