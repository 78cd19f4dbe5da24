import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import * as z from 'zod';
import { operation } from '../operations';
import { type Io, table, time } from '../output';
import { CliError, type Target } from '../targets';
import { resolveRealm } from './realm';

export interface MappingOptions {
  action: string | undefined;
  file: string | undefined;
  realm?: string;
  version?: number;
  to?: number;
  csv?: string;
  json: boolean;
  env: Record<string, string | undefined>;
}

const Plan = z.object({
  realmId: z.string(),
  currentVersion: z.number(),
  refusals: z.array(z.string()),
  organizationsChanged: z.number(),
  personsChanged: z.number(),
  personsCreated: z.number(),
  fieldChanges: z.record(z.string(), z.number()),
  fieldsToCreate: z.array(z.string()),
  tokens: z.number(),
  budget: z.object({ dailyShare: z.number(), days: z.number() }),
  planTokens: z.number(),
  changed: z.array(z.string()),
  csv: z.string(),
});
type Plan = z.infer<typeof Plan>;
/** A document that does not validate: only its problems. */
const Invalid = z.object({ refusals: z.array(z.string()).min(1) });
const Applied = z.object({ plan: Plan, version: z.number().optional(), enqueued: z.number(), applyTokens: z.number() });
const Shown = z.object({
  currentVersion: z.number(),
  shown: z.number(),
  versions: z.array(
    z.object({ version: z.number(), createdBy: z.string(), createdAt: z.number(), current: z.boolean() }),
  ),
  document: z.unknown(),
});

const USAGE = 'Usage: ml-connector mapping plan FILE | apply FILE | show [--version N] | rollback [--to N]';

/** Who is applying: `ML_CONNECTOR_OPERATOR`, else the OS user (kept with each version). */
function operatorOf(env: Record<string, string | undefined>): string {
  return env.ML_CONNECTOR_OPERATOR?.trim() || userInfo().username;
}

async function documentText(file: string | undefined): Promise<string> {
  if (!file) throw new CliError(`Name the mapping document's file. ${USAGE}`);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A refused document: one line per problem on stderr, exit 1. */
function refused(io: Io, refusals: readonly string[]): number {
  io.err(`The mapping document is refused (${refusals.length} problem${refusals.length === 1 ? '' : 's'}):`);
  for (const line of refusals) io.err(`  ${line}`);
  return 1;
}

function printPlan(io: Io, plan: Plan): void {
  const fields = Object.entries(plan.fieldChanges).sort(([a], [b]) => a.localeCompare(b));
  const organizations = (field: string) => (field.startsWith('organization.') ? plan.fieldChanges[field] : undefined);
  const persons = (field: string) => (field.startsWith('person.') ? plan.fieldChanges[field] : undefined);
  if (fields.length > 0)
    io.out(
      table(
        ['field', 'organizations', 'persons'],
        fields.map(([field]) => [field, organizations(field) ?? 0, persons(field) ?? 0]),
      ),
    );
  else io.out('No linked organization or person changes.');
  io.out(
    `\n${plan.organizationsChanged} organization(s) updated, ${plan.personsChanged} person(s) updated, ${plan.personsCreated} person(s) created (current mapping: ${plan.currentVersion === 0 ? 'the default' : `v${plan.currentVersion}`}).`,
  );
  if (plan.fieldsToCreate.length > 0) io.out(`Custom fields to create: ${plan.fieldsToCreate.join(', ')}.`);
  io.out(
    `Pipedrive tokens: ${plan.tokens}, ${plan.budget.days} budget day(s) of the connector's share (${plan.budget.dailyShare} a day).`,
  );
}

async function writeCsv(io: Io, plan: Plan, csv: string | undefined): Promise<void> {
  if (csv === '-') {
    io.out(plan.csv.trimEnd());
    return;
  }
  const stamp = new Date(io.now()).toISOString().slice(0, 16).replace(/-/g, '').replace('T', '-').replace(':', '');
  const file = csv ?? `ml-connector-mapping-plan-${plan.realmId}-${stamp}.csv`;
  await io.writeFile(file, plan.csv);
  io.err(`Plan rows written to ${file}.`);
}

async function plan(
  target: Target,
  io: Io,
  realmId: string,
  options: MappingOptions,
  document: string,
): Promise<number> {
  const answer = await operation(target, { command: 'mapping-plan', realmId, document }, z.union([Plan, Invalid]));
  if (!('tokens' in answer) || answer.refusals.length > 0) return refused(io, answer.refusals);
  if (options.json) io.out(JSON.stringify({ ...answer, csv: undefined }));
  else if (options.csv !== '-') printPlan(io, answer);
  await writeCsv(io, answer, options.csv);
  return 0;
}

async function apply(
  target: Target,
  io: Io,
  realmId: string,
  options: MappingOptions,
  document: string,
): Promise<number> {
  const answer = await operation(
    target,
    { command: 'mapping-apply', realmId, document, by: operatorOf(options.env) },
    z.union([Applied, Invalid]),
  );
  if (!('plan' in answer)) return refused(io, answer.refusals);
  return printApplied(io, answer, options, (version) => `Mapping v${version} is in use`);
}

/** An apply's or a rollback's outcome: its refusals, or the plan it carried out and what it queued. */
function printApplied(
  io: Io,
  answer: z.infer<typeof Applied>,
  options: MappingOptions,
  headline: (version: string) => string,
): number {
  if (answer.plan.refusals.length > 0) return refused(io, answer.plan.refusals);
  if (options.json) io.out(JSON.stringify({ ...answer, plan: { ...answer.plan, csv: undefined } }));
  else {
    printPlan(io, answer.plan);
    io.out(
      `\n${headline(String(answer.version ?? '?'))}; ${answer.enqueued} customer(s) queued on the bulk queue. Follow them with \`ml-connector status\`.`,
    );
  }
  return 0;
}

async function rollback(target: Target, io: Io, realmId: string, options: MappingOptions): Promise<number> {
  const answer = await operation(
    target,
    {
      command: 'mapping-rollback',
      realmId,
      by: operatorOf(options.env),
      ...(options.to !== undefined ? { to: options.to } : {}),
    },
    Applied,
  );
  return printApplied(io, answer, options, (version) => `Rolled back to mapping v${version}`);
}

async function show(target: Target, io: Io, realmId: string, options: MappingOptions): Promise<number> {
  const answer = await operation(
    target,
    { command: 'mapping-show', realmId, ...(options.version !== undefined ? { version: options.version } : {}) },
    Shown,
  );
  if (options.json) {
    io.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  if (answer.versions.length === 0) io.err('No mapping was ever applied: the connection runs the default document.');
  else
    io.err(
      table(
        ['version', 'applied by', 'at', 'current'],
        answer.versions.map((v) => [v.version, v.createdBy, time(v.createdAt), v.current ? 'yes' : '']),
      ),
    );
  // The document on stdout, so `mapping show > mine.json` gives a file to edit and plan.
  io.out(JSON.stringify(answer.document, null, 2));
  return 0;
}

/** `ml-connector mapping plan|apply|show|rollback` (decision 61). */
export async function mappingCommand(target: Target, io: Io, options: MappingOptions): Promise<number> {
  const { action } = options;
  if (action !== 'plan' && action !== 'apply' && action !== 'show' && action !== 'rollback') throw new CliError(USAGE);
  // The file is read before anything is asked of the stack.
  const document = action === 'plan' || action === 'apply' ? await documentText(options.file) : '';
  const realmId = await resolveRealm(target, options.realm);
  return { plan, apply, show, rollback }[action](target, io, realmId, options, document);
}
