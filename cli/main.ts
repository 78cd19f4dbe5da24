import { type Arguments, parseArguments, positiveInteger } from './arguments';
import { backfillCommand } from './commands/backfill';
import { auditCommand } from './commands/audit';
import { connectCommand } from './commands/connect';
import { disconnectCommand } from './commands/disconnect';
import { healthCommand } from './commands/health';
import { mappingCommand } from './commands/mapping';
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

/** What a command gets: the target, the parsed command line and the environment. */
interface CommandContext {
  target: Target;
  io: Io;
  values: Arguments['values'];
  /** The positionals after the command's name. */
  rest: readonly string[];
  env: CliEnvironment;
}

/** One entry per command (its help text is in COMMAND_HELP); a new command is one more entry. */
const COMMANDS: Record<string, (context: CommandContext) => Promise<number>> = {
  connect: ({ target, io, values, rest, env }) =>
    connectCommand(target, io, {
      provider: rest[0],
      ...(values.realm !== undefined ? { realm: values.realm } : {}),
      ...(values['api-token'] !== undefined ? { apiToken: values['api-token'] } : {}),
      ...(values['api-domain'] !== undefined ? { apiDomain: values['api-domain'] } : {}),
      open: values.open,
      replace: values.replace,
      expiresInMinutes: positiveInteger(values['expires-in'], 'expires-in', 15),
      json: values.json,
      env: env.env ?? process.env,
      readStdin: env.readStdin,
      openUrl: env.openUrl,
      yes: values.yes,
      ...(env.confirm ? { confirm: env.confirm } : {}),
    }),
  disconnect: ({ target, io, values, rest, env }) =>
    disconnectCommand(target, io, {
      provider: rest[0],
      ...(values.realm !== undefined ? { realm: values.realm } : {}),
      yes: values.yes,
      json: values.json,
      ...(env.confirm ? { confirm: env.confirm } : {}),
    }),
  ping: ({ target, io, values }) =>
    pingCommand(target, io, { ...(values.realm !== undefined ? { realm: values.realm } : {}), json: values.json }),
  status: ({ target, io, values }) => statusCommand(target, io, values.json),
  health: ({ target, io, values, env }) => healthCommand(target, io, values.open ? { openUrl: env.openUrl } : {}),
  backfill: ({ target, io, values }) =>
    backfillCommand(target, io, {
      ...(values.realm !== undefined ? { realm: values.realm } : {}),
      dryRun: values['dry-run'],
      ...(values.csv !== undefined ? { csv: values.csv } : {}),
      wait: !values['no-wait'],
      waitSeconds: positiveInteger(values['wait-seconds'], 'wait-seconds', 900),
      json: values.json,
    }),
  reconcile: ({ target, io, values }) =>
    reconcileCommand(target, io, {
      ...(values.realm !== undefined ? { realm: values.realm } : {}),
      json: values.json,
      pipedrive: values.pipedrive,
    }),
  replay: ({ target, io, values, env }) =>
    replayCommand(target, io, {
      ...(values.realm !== undefined ? { realm: values.realm } : {}),
      ...(values.customer !== undefined ? { customer: values.customer } : {}),
      ...(values.since !== undefined ? { since: values.since } : {}),
      dlq: values.dlq,
      list: values.list,
      json: values.json,
      recreate: values.recreate,
      ...(env.confirm ? { confirm: env.confirm } : {}),
    }),
  mapping: ({ target, io, values, rest, env }) =>
    mappingCommand(target, io, {
      action: rest[0],
      file: rest[1],
      ...(values.realm !== undefined ? { realm: values.realm } : {}),
      ...(values.version !== undefined ? { version: positiveInteger(values.version, 'version', 1) } : {}),
      ...(values.to !== undefined ? { to: positiveInteger(values.to, 'to', 1) } : {}),
      ...(values.csv !== undefined ? { csv: values.csv } : {}),
      json: values.json,
      env: env.env ?? process.env,
    }),
  audit: ({ target, io, values, rest }) =>
    auditCommand(target, io, {
      customer: rest[0],
      ...(values.realm !== undefined ? { realm: values.realm } : {}),
      limit: positiveInteger(values.limit, 'limit', 100),
      json: values.json,
    }),
};

/** Runs one command line; returns the exit code. Errors the operator can fix are printed, not thrown. */
export async function main(argv: readonly string[], env: CliEnvironment): Promise<number> {
  const { io } = env;
  try {
    const { values, positionals } = parseArguments(argv);
    const [command, ...rest] = positionals;
    if (command === undefined || command === 'help') {
      io.out(USAGE);
      return command === undefined && !values.help ? 1 : 0;
    }
    const run = COMMANDS[command];
    const help = COMMAND_HELP[command];
    if (run === undefined || help === undefined)
      throw new CliError(`Unknown command "${command}"; run \`ml-connector --help\` for the list.`);
    if (values.help) {
      io.out(help);
      return 0;
    }
    const target = await env.target({
      ...(values.stack !== undefined ? { stack: values.stack } : {}),
      ...(values.region !== undefined ? { region: values.region } : {}),
    });
    return await run({ target, io, values, rest, env });
  } catch (error) {
    if (error instanceof CliError) {
      // One line each, whatever the source (zod's pretty errors span several).
      io.err(`ml-connector: ${error.message.replace(/\s*\n\s*/g, ' ')}`);
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
