import type { PipedriveClient } from '../pipedrive/client';
import { connectorShare, dailyTokenBudget } from '../pipedrive/plans';
import { errorKind } from '../shared/errors';
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
        /** The Pipedrive company's id (what several realms share). */
        companyId: string;
        /**
         * The company's daily token budget, the connector's share of it, and what is left of the share
         * today: the company's, shared by every realm writing into it; `realmSpentToday` is this realm's part.
         */
        budget: { daily: number; share: number; spentToday: number; leftToday: number; realmSpentToday: number };
      }
    | PingFailure;
}

export interface PingDeps {
  quickbooks: (realmId: string) => Promise<QuickBooksClient>;
  pipedrive: (realmId: string) => Promise<{ connection: Connection; pipedrive: PipedriveClient }>;
  spentToday: (companyId: string) => Promise<{ spent: number; byRealm: Record<string, number> }>;
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
        const today = await deps.spentToday(settings.companyId);
        const spentToday = today.spent;
        return {
          ok: true,
          companyName: me.company_name,
          companyDomain: me.company_domain,
          user: me.name,
          apiDomain: settings.apiDomain,
          auth: settings.auth,
          plan: settings.plan,
          seats: settings.seats,
          companyId: settings.companyId,
          budget: {
            daily,
            share,
            spentToday,
            leftToday: Math.max(0, share - spentToday),
            realmSpentToday: today.byRealm[realmId] ?? 0,
          },
        };
      } catch (error) {
        return failure(error);
      }
    })(),
  ]);
  return { realmId, quickbooks, pipedrive };
}
