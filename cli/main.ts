import { parseArgs } from 'node:util';
import { backfillCommand } from './commands/backfill';
import { auditCommand } from './commands/audit';
import { connectCommand } from './commands/connect';
import { healthCommand } from './commands/health';
import { pingCommand } from './commands/ping';
import { reconcileCommand } from './commands/reconcile';
import { replayCommand } from './commands/replay';
import { statusCommand } from './commands/status';
import { COMMAND_HELP, USAGE } from './help';
import type { Io } from './output';
import { awsTarget, CliError, localTarget, type Target } from './targets';

export interface CliEnvironment {
  io: Io;
  /** The target for the parsed options (tests pass their own). */
  target: (options: { stack?: string; region?: string }) => Promise<Target>;
  readStdin: () => Promise<string>;
  openUrl: (url: string) => Promise<void>;
  /** Asks a yes/no question at a terminal (absent in scripts and tests: `--yes` answers instead). */
  confirm?: (question: string) => Promise<boolean>;
  /** Where `--api-token env` reads PIPEDRIVE_API_TOKEN (process.env; tests pass their own). */
  env?: Record<string, string | undefined>;
}

const OPTIONS = {
  stack: { type: 'string' },
  region: { type: 'string' },
  realm: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  open: { type: 'boolean', default: false },
  'api-token': { type: 'string' },
  'api-domain': { type: 'string' },
  replace: { type: 'boolean', default: false },
  'expires-in': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  csv: { type: 'string' },
  'no-wait': { type: 'boolean', default: false },
  'wait-seconds': { type: 'string' },
  customer: { type: 'string' },
  since: { type: 'string' },
  dlq: { type: 'boolean', default: false },
  list: { type: 'boolean', default: false },
  limit: { type: 'string' },
  yes: { type: 'boolean', short: 'y', default: false },
} as const;

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new CliError(`--${name} takes a positive whole number, not "${value}"`);
  return parsed;
}

/** Runs one command line; returns the exit code. Errors the operator can fix are printed, not thrown. */
export async function main(argv: readonly string[], env: CliEnvironment): Promise<number> {
  const { io } = env;
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliError(
        `${error instanceof Error ? error.message : String(error)}\nRun \`ml-connector --help\` for usage.`,
      );
    }
    const { values, positionals } = parsed;
    const [command, ...rest] = positionals;
    if (command === undefined || command === 'help') {
      io.out(USAGE);
      return command === undefined && !values.help ? 1 : 0;
    }
    const help = COMMAND_HELP[command];
    if (help === undefined)
      throw new CliError(`Unknown command "${command}". Run \`ml-connector --help\` for the list.`);
    if (values.help) {
      io.out(help);
      return 0;
    }
    const realm = values.realm;
    const json = values.json;
    const target = await env.target({
      ...(values.stack !== undefined ? { stack: values.stack } : {}),
      ...(values.region !== undefined ? { region: values.region } : {}),
    });
    switch (command) {
      case 'connect':
        return await connectCommand(target, io, {
          provider: rest[0],
          ...(realm !== undefined ? { realm } : {}),
          ...(values['api-token'] !== undefined ? { apiToken: values['api-token'] } : {}),
          ...(values['api-domain'] !== undefined ? { apiDomain: values['api-domain'] } : {}),
          open: values.open,
          replace: values.replace,
          expiresInMinutes: positiveInteger(values['expires-in'], 'expires-in', 15),
          json,
          env: env.env ?? process.env,
          readStdin: env.readStdin,
          openUrl: env.openUrl,
          yes: values.yes,
          ...(env.confirm ? { confirm: env.confirm } : {}),
        });
      case 'ping':
        return await pingCommand(target, io, { ...(realm !== undefined ? { realm } : {}), json });
      case 'status':
        return await statusCommand(target, io, json);
      case 'health':
        return await healthCommand(target, io, values.open ? { openUrl: env.openUrl } : {});
      case 'backfill':
        return await backfillCommand(target, io, {
          ...(realm !== undefined ? { realm } : {}),
          dryRun: values['dry-run'],
          ...(values.csv !== undefined ? { csv: values.csv } : {}),
          wait: !values['no-wait'],
          waitSeconds: positiveInteger(values['wait-seconds'], 'wait-seconds', 900),
          json,
        });
      case 'reconcile':
        return await reconcileCommand(target, io, { ...(realm !== undefined ? { realm } : {}), json });
      case 'replay':
        return await replayCommand(target, io, {
          ...(realm !== undefined ? { realm } : {}),
          ...(values.customer !== undefined ? { customer: values.customer } : {}),
          ...(values.since !== undefined ? { since: values.since } : {}),
          dlq: values.dlq,
          list: values.list,
          json,
        });
      case 'audit':
        return await auditCommand(target, io, {
          customer: rest[0],
          ...(realm !== undefined ? { realm } : {}),
          limit: positiveInteger(values.limit, 'limit', 100),
          json,
        });
      default:
        throw new CliError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`ml-connector: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** The real environment: the local stack's state file, or a deployed stack via the AWS SDK. */
export function defaultTarget(stateFile: string): CliEnvironment['target'] {
  return ({ stack, region }) => {
    const stackName = stack ?? process.env.ML_CONNECTOR_STACK;
    return stackName ? awsTarget(stackName, region) : localTarget(stateFile);
  };
}
