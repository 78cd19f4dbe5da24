import { splitEmails } from './mapping';
import type { QboCustomer } from './qbo-entities';
import { ownCustomerId, parseQuickbooksId, type QuickbooksIdentity } from './quickbooks-identity';

/** An existing Pipedrive organization, as the backfill sees it. */
export interface ExistingOrganization {
  id: number;
  name: string;
  /** The value of its "QuickBooks ID" custom field, if any: `<realmId>:<id>`, or a bare id written before decision 35. */
  quickbooksId: string | undefined;
  /** E-mail domains of its persons. */
  emailDomains: ReadonlySet<string>;
}

export type MatchMethod = 'quickbooks-id' | 'name' | 'email-domain' | 'none';

export interface MatchRow {
  qboId: string;
  customer: string;
  method: MatchMethod;
  /** 1 for the QuickBooks ID, 0.9 for a unique normalised name, 0.6 for a unique e-mail domain. */
  confidence: number;
  orgId?: number;
  organization?: string;
  /** link: use the organization; create: make a new one; review: several candidates, a person decides. */
  action: 'link' | 'create' | 'review';
  candidates?: number[];
}

const LEGAL_SUFFIXES =
  /\b(incorporated|inc|llc|l\.l\.c|ltd|limited|gmbh|ag|co|corp|corporation|company|sa|s\.a|sarl|bv|nv|plc|pty|pte|oy|ab|as|kk|srl|spa)\b\.?/g;
/** Shared mail providers say nothing about which company a person belongs to. */
const PUBLIC_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'gmx.de',
  'web.de',
  'proton.me',
  'protonmail.com',
]);

/** Lower case, no accents, punctuation or legal suffix: "Müller & Söhne GmbH" → "muller sohne". */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ \(deleted\)$/, '')
    .replace(/&/g, ' ')
    .replace(LEGAL_SUFFIXES, ' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function isBare(org: ExistingOrganization): boolean {
  return parseQuickbooksId(org.quickbooksId ?? '').realmId === undefined;
}

export function companyDomain(email: string): string | undefined {
  const domain = email.split('@')[1]?.trim().toLowerCase();
  return domain && !PUBLIC_MAIL.has(domain) ? domain : undefined;
}

/** The existing organizations by this realm's QuickBooks ID, by normalised name and by e-mail domain. */
function indexOrganizations(organizations: readonly ExistingOrganization[], identity: QuickbooksIdentity) {
  const byQuickbooksId = new Map<string, ExistingOrganization[]>();
  const byName = new Map<string, ExistingOrganization[]>();
  const byDomain = new Map<string, ExistingOrganization[]>();
  for (const org of organizations) {
    const own = ownCustomerId(org.quickbooksId, identity);
    // A qualified id wins over a bare one left on another organization before the upgrade; two of a
    // kind are a copy (a rep's, decision 62), for a person to resolve.
    const held = own === undefined ? [] : (byQuickbooksId.get(own) ?? []);
    const [first] = held;
    if (own === undefined) {
      // Another realm's identity, or none.
    } else if (!first || (isBare(first) && !isBare(org))) byQuickbooksId.set(own, [org]);
    else if (isBare(first) === isBare(org)) byQuickbooksId.set(own, [...held, org]);
    const name = normaliseName(org.name);
    if (name) byName.set(name, [...(byName.get(name) ?? []), org]);
    for (const domain of org.emailDomains) byDomain.set(domain, [...(byDomain.get(domain) ?? []), org]);
  }
  return { byQuickbooksId, byName, byDomain };
}

/** A match by QuickBooks ID; one carried by several organizations is a copy, never the last (or first) listed. */
function identityRow(qboId: string, customer: string, carriers: readonly ExistingOrganization[]): MatchRow {
  const [org] = carriers;
  if (carriers.length > 1 || !org)
    return {
      qboId,
      customer,
      method: 'quickbooks-id',
      confidence: 0.5,
      action: 'review',
      candidates: carriers.map((candidate) => candidate.id),
    };
  return {
    qboId,
    customer,
    method: 'quickbooks-id',
    confidence: 1,
    orgId: org.id,
    organization: org.name,
    action: 'link',
  };
}

/**
 * First-sync matching (decision 18): each QBO customer is matched to an organization that
 * already exists by its "QuickBooks ID" field, else by normalised name, else by the e-mail domain of
 * the organization's persons; an organization is given to one customer at most. Ambiguous names or
 * domains are left for a person to review rather than guessed (a wrong link would overwrite an
 * unrelated organization). Only a QuickBooks ID of this realm matches (decision 35); an organization
 * carrying another realm's is that realm's, never a candidate here.
 */
export function matchCustomers(
  customers: readonly QboCustomer[],
  organizations: readonly ExistingOrganization[],
  nameOf: (customer: QboCustomer) => string,
  identity: QuickbooksIdentity,
): MatchRow[] {
  const claimed = new Set<number>();
  const { byQuickbooksId, byName, byDomain } = indexOrganizations(organizations, identity);
  const rows: MatchRow[] = [];
  const pending: QboCustomer[] = [];
  // Exact QuickBooks IDs first, so a later fuzzy match can never take an organization that is already someone's.
  for (const customer of customers) {
    const carriers = byQuickbooksId.get(customer.Id) ?? [];
    const [org] = carriers;
    if (!org) pending.push(customer);
    else {
      for (const carrier of carriers) claimed.add(carrier.id);
      rows.push(identityRow(customer.Id, nameOf(customer), carriers));
    }
  }
  for (const customer of pending) {
    const name = nameOf(customer);
    const free = (candidates: ExistingOrganization[] | undefined) =>
      (candidates ?? []).filter((org) => !claimed.has(org.id) && !org.quickbooksId?.trim());
    const sameName = free(byName.get(normaliseName(name)));
    const domains = [
      ...new Set(
        splitEmails(customer.PrimaryEmailAddr?.Address)
          .map(companyDomain)
          .filter((d): d is string => d !== undefined),
      ),
    ];
    const sameDomain = [
      ...new Map(domains.flatMap((domain) => free(byDomain.get(domain))).map((org) => [org.id, org])).values(),
    ];
    const [method, confidence, candidates] =
      sameName.length > 0
        ? (['name', 0.9, sameName] as const)
        : sameDomain.length > 0
          ? (['email-domain', 0.6, sameDomain] as const)
          : (['none', 0, []] as const);
    const [only] = candidates;
    if (candidates.length === 1 && only) {
      claimed.add(only.id);
      rows.push({
        qboId: customer.Id,
        customer: name,
        method,
        confidence,
        orgId: only.id,
        organization: only.name,
        action: 'link',
      });
    } else if (candidates.length > 1) {
      rows.push({
        qboId: customer.Id,
        customer: name,
        method,
        confidence: confidence / 2,
        action: 'review',
        candidates: candidates.map((org) => org.id),
      });
    } else {
      rows.push({ qboId: customer.Id, customer: name, method: 'none', confidence: 0, action: 'create' });
    }
  }
  return rows;
}

/** Cells a spreadsheet would read as a formula (OWASP "CSV injection"): a customer's name is untrusted. */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  // Names and other text starting like a formula get a leading quote and are quoted; numbers stay numbers.
  if (typeof value === 'string' && FORMULA_START.test(text)) return `"'${text.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function matchReportCsv(rows: readonly MatchRow[]): string {
  const header = 'qbo_id,customer,action,method,confidence,org_id,organization,candidates';
  const lines = rows.map((row) =>
    [
      row.qboId,
      row.customer,
      row.action,
      row.method,
      row.confidence,
      row.orgId,
      row.organization,
      row.candidates?.join(' '),
    ]
      .map(csvCell)
      .join(','),
  );
  return [header, ...lines].join('\n');
}
