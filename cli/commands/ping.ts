import { z } from 'zod';
import { operation } from '../operations';
import type { Io } from '../output';
import type { Target } from '../targets';
import { resolveRealm } from './realm';

const Failure = z.object({ ok: z.literal(false), kind: z.string(), message: z.string() });
const Ping = z.object({
  realmId: z.string(),
  quickbooks: z.union([
    z.object({ ok: z.literal(true), companyName: z.string(), country: z.string().optional() }),
    Failure,
  ]),
  pipedrive: z.union([
    z.object({
      ok: z.literal(true),
      companyName: z.string(),
      companyDomain: z.string(),
      user: z.string(),
      apiDomain: z.string(),
      auth: z.string(),
      plan: z.string(),
      seats: z.number(),
      budget: z.object({ daily: z.number(), share: z.number(), spentToday: z.number(), leftToday: z.number() }),
    }),
    Failure,
  ]),
});

export async function pingCommand(target: Target, io: Io, options: { realm?: string; json: boolean }): Promise<number> {
  const realmId = await resolveRealm(target, options.realm);
  const report = await operation(target, { command: 'ping', realmId }, Ping);
  if (options.json) io.out(JSON.stringify(report, null, 2));
  else {
    const q = report.quickbooks;
    io.out(
      q.ok
        ? `QuickBooks  ok    ${q.companyName} (realm ${report.realmId}${q.country ? `, ${q.country}` : ''})`
        : `QuickBooks  FAIL  realm ${report.realmId}: ${q.message} [${q.kind}]`,
    );
    const p = report.pipedrive;
    io.out(
      p.ok
        ? `Pipedrive   ok    ${p.companyName} (${p.apiDomain}, as ${p.user}, ${p.auth})\n            plan ${p.plan}, ${p.seats} seat(s): ${p.budget.daily} tokens a day, the connector's share ${p.budget.share}, ${p.budget.leftToday} left today`
        : `Pipedrive   FAIL  ${p.message} [${p.kind}]`,
    );
  }
  return report.quickbooks.ok && report.pipedrive.ok ? 0 : 1;
}
