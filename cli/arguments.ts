import { parseArgs } from 'node:util';
import * as z from 'zod';
import { CliError } from './targets';

/** Every option of every command (each command reads the ones it takes). */
export const OPTIONS = {
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
  version: { type: 'string' },
  to: { type: 'string' },
  yes: { type: 'boolean', short: 'y', default: false },
  pipedrive: { type: 'boolean', default: false },
  recreate: { type: 'boolean', default: false },
} as const;

/** The options that take a count. */
const NUMBERS = new Set(['expires-in', 'wait-seconds', 'limit', 'version', 'to']);
const VALUE_OPTIONS = new Set(
  Object.entries(OPTIONS)
    .filter(([, option]) => option.type === 'string')
    .map(([name]) => name),
);

export type Arguments = ReturnType<typeof parseArguments>;

export function parseArguments(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(problem(error, argv));
  }
}

/** parseArgs's refusal in our words: one line that names the flag to fix. */
function problem(error: unknown, argv: readonly string[]): string {
  for (const [index, arg] of argv.entries()) {
    const name = arg.slice(2);
    if (!arg.startsWith('--') || !VALUE_OPTIONS.has(name)) continue;
    const value = argv[index + 1];
    if (value === undefined) return `--${name} needs a value; see \`ml-connector --help\`.`;
    // parseArgs takes "-5" for another option.
    if (value.length > 1 && value.startsWith('-'))
      return NUMBERS.has(name)
        ? `--${name} takes a positive whole number, not "${value}"`
        : `--${name} needs a value, not "${value}" (if that is the value, write --${name}=${value})`;
  }
  const parsed = z.object({ code: z.string(), message: z.string() }).safeParse(error);
  const option = parsed.data ? (/'(-[^' ]+)/.exec(parsed.data.message)?.[1] ?? '') : '';
  switch (parsed.data?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Unknown option '${option}'; run \`ml-connector --help\` for the options.`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${option} takes no value; run \`ml-connector --help\` for the options.`;
    default:
      return `${parsed.data?.message.split('\n')[0] ?? String(error)}; run \`ml-connector --help\` for usage.`;
  }
}

/** A count option's value: a positive whole number, or `fallback` when the option is not given. */
export function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new CliError(`--${name} takes a positive whole number, not "${value}"`);
  return parsed;
}
