import type { PipedriveClient } from '../pipedrive/client';
import { connectorShare, dailyTokenBudget } from '../pipedrive/plans';
import { errorKind } from '../platform/errors';
import type { QuickBooksClient } from '../quickbooks/client';
import type { Connection } from '../store/connections';

export interface PingFailure {
  ok: false;
  kind: string;
  message: string;
}

export interface PingReport {
  realmId: string;
  quickbooks: { ok: true; companyName: string; country: string | undefined } | PingFailure;
  pipedrive:
    | {
        ok: true;
        companyName: string;
        companyDomain: string;
        user: string;
        apiDomain: string;
        auth: string;
        plan: string;
        seats: number;
        /** The company's daily token budget, the connector's share of it, and what is left of the share today. */
        budget: { daily: number; share: number; spentToday: number; leftToday: number };
      }
    | PingFailure;
}

export interface PingDeps {
  quickbooks: (realmId: string) => Promise<QuickBooksClient>;
  pipedrive: (realmId: string) => Promise<{ connection: Connection; pipedrive: PipedriveClient }>;
  spentToday: (companyId: string) => Promise<number>;
  budgetShare: number;
}

function failure(error: unknown): PingFailure {
  // The message of our own errors never carries a token or a response body.
  return { ok: false, kind: errorKind(error), message: error instanceof Error ? error.message : 'unknown error' };
}

/** Proves both credentials with one cheap read each (QBO CompanyInfo, Pipedrive users/me: 2 tokens). */
export async function ping(realmId: string, deps: PingDeps): Promise<PingReport> {
  const [quickbooks, pipedrive] = await Promise.all([
    (async (): Promise<PingReport['quickbooks']> => {
      try {
        const info = await (await deps.quickbooks(realmId)).companyInfo();
        return { ok: true, ...info };
      } catch (error) {
        return failure(error);
      }
    })(),
    (async (): Promise<PingReport['pipedrive']> => {
      try {
        const { connection, pipedrive: client } = await deps.pipedrive(realmId);
        const settings = connection.pipedrive;
        if (!settings) throw new Error('Pipedrive is not connected');
        const me = await client.currentUser();
        const daily = dailyTokenBudget(settings.plan, settings.seats);
        const share = connectorShare(daily, deps.budgetShare);
        const spentToday = await deps.spentToday(settings.companyId);
        return {
          ok: true,
          companyName: me.company_name,
          companyDomain: me.company_domain,
          user: me.name,
          apiDomain: settings.apiDomain,
          auth: settings.auth,
          plan: settings.plan,
          seats: settings.seats,
          budget: { daily, share, spentToday, leftToday: Math.max(0, share - spentToday) },
        };
      } catch (error) {
        return failure(error);
      }
    })(),
  ]);
  return { realmId, quickbooks, pipedrive };
}
