import * as z from 'zod';
import { operation } from '../operations';
import type { Io } from '../output';
import { CliError, type Target } from '../targets';

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
      companyId: z.string().optional(),
      budget: z.object({
        daily: z.number(),
        share: z.number(),
        spentToday: z.number(),
        leftToday: z.number(),
        realmSpentToday: z.number().default(0),
      }),
    }),
    Failure,
  ]),
});

type Ping = z.infer<typeof Ping>;
const Connections = z.object({ connections: z.array(z.object({ realmId: z.string() })) });

/** The lines of one connection's report; the budget is printed per Pipedrive company, not here, when several share it. */
function connectionLines(report: Ping, withBudget: boolean): string[] {
  const q = report.quickbooks;
  const p = report.pipedrive;
  return [
    q.ok
      ? `QuickBooks  ok    ${q.companyName} (realm ${report.realmId}${q.country ? `, ${q.country}` : ''})`
      : `QuickBooks  FAIL  realm ${report.realmId}: ${q.message} [${q.kind}]`,
    p.ok
      ? `Pipedrive   ok    ${p.companyName} (${p.apiDomain}, as ${p.user}, ${p.auth})${
          withBudget
            ? `\n            plan ${p.plan}, ${p.seats} seat(s): ${p.budget.daily} tokens a day, the connector's share ${p.budget.share}, ${p.budget.leftToday} left today`
            : ''
        }`
      : `Pipedrive   FAIL  ${p.message} [${p.kind}]`,
  ];
}

/** Each Pipedrive company once: its shared budget and every realm's part of today's spend (decision 37). */
function companyLines(reports: readonly Ping[]): string[] {
  const companies = new Map<string, Ping[]>();
  for (const report of reports)
    if (report.pipedrive.ok)
      companies.set(report.pipedrive.apiDomain, [...(companies.get(report.pipedrive.apiDomain) ?? []), report]);
  const lines: string[] = [];
  for (const [apiDomain, sharing] of companies) {
    const first = sharing[0]?.pipedrive;
    if (!first?.ok) continue;
    lines.push(
      `\nPipedrive company ${first.companyName} (${apiDomain}): plan ${first.plan}, ${first.seats} seat(s): ${first.budget.daily} tokens a day, the connector's share ${first.budget.share}, ${first.budget.spentToday} spent and ${first.budget.leftToday} left today${sharing.length > 1 ? `, shared by ${sharing.length} QuickBooks companies` : ''}`,
    );
    for (const report of sharing) {
      const name = report.quickbooks.ok ? report.quickbooks.companyName : `realm ${report.realmId}`;
      const part = report.pipedrive.ok ? report.pipedrive.budget.realmSpentToday : 0;
      lines.push(`  ${name} (realm ${report.realmId}): ${part} today`);
    }
  }
  return lines;
}

export async function pingCommand(target: Target, io: Io, options: { realm?: string; json: boolean }): Promise<number> {
  // Without --realm every connection is checked, not only one.
  const realms = options.realm
    ? [options.realm]
    : (await operation(target, { command: 'status' }, Connections)).connections.map((c) => c.realmId);
  if (realms.length === 0)
    throw new CliError('No QuickBooks company is connected yet: run `ml-connector connect quickbooks` first.');
  const reports: Ping[] = [];
  for (const realmId of realms) reports.push(await operation(target, { command: 'ping', realmId }, Ping));
  const [only] = reports;
  if (options.json) io.out(JSON.stringify(reports.length === 1 ? only : reports, null, 2));
  else if (reports.length === 1 && only) io.out(connectionLines(only, true).join('\n'));
  else {
    for (const report of reports) io.out(['', ...connectionLines(report, false)].join('\n'));
    io.out(companyLines(reports).join('\n'));
  }
  return reports.every((report) => report.quickbooks.ok && report.pipedrive.ok) ? 0 : 1;
}
