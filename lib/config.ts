import { RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import * as z from 'zod';

/** EventBridge schedule expressions: `rate(...)` or `cron(...)`. */
const ScheduleExpression = z.string().regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\))$/, {
  message: 'expected rate(<n> <unit>) or cron(<fields>)',
});

/** Context numbers arrive as strings from `cdk -c key=value` and as numbers from cdk.json. */
const ContextNumber = z.coerce.number();

/**
 * Deployment settings, read from CDK context (cdk.json or `-c key=value`) and validated before
 * anything is synthesized, so a typo fails `cdk synth` rather than a Lambda at runtime.
 */
export const ConnectorConfig = z.object({
  pollSchedule: ScheduleExpression.default('rate(15 minutes)'),
  pipedrivePlan: z.enum(['lite', 'growth', 'premium', 'ultimate']).default('growth'),
  pipedriveSeats: ContextNumber.pipe(z.number().int().positive()).default(1),
  budgetShare: ContextNumber.pipe(z.number().gt(0).max(1)).default(0.5),
  /** QBO's CorePlus cap on metered calls a month (500,000 on the Builder tier): what `status` and the health page project against. */
  qboMonthlyCallCap: ContextNumber.pipe(z.number().int().positive()).default(500_000),
  /** How long Pipedrive's Cloudflare 403 stops every call to the company, in minutes (decision 32). */
  pipedriveBlockMinutes: ContextNumber.pipe(z.number().positive().max(1440)).default(60),
  subCustomers: z.enum(['rollup', 'separate', 'skip']).default('rollup'),
  mergeRule: z.enum(['merge', 'flag']).default('merge'),
  /** What is done about a rep's deletions, hand edits and moved persons in Pipedrive (decision 62). */
  pipedriveDeletedRule: z.enum(['exclude', 'recreate']).default('exclude'),
  pipedriveDriftRule: z.enum(['rewrite', 'report']).default('rewrite'),
  pipedrivePersonRule: z.enum(['report', 'restore']).default('report'),
  /** Pipedrive organization webhooks registered at connect (decision 63); `off` leaves it to the daily reconcile. */
  pipedriveWebhooks: z.enum(['on', 'off']).default('on'),
  alarmEmail: z.email().optional(),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  auditRetentionDays: ContextNumber.pipe(z.number().int().positive()).default(90),
  removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
  /** The Intuit app's client id (public); required to synthesize (the stack says so in one line). */
  qboClientId: z.string().min(1).optional(),
  /** The Pipedrive app's client id; without it Pipedrive connects by API token only. */
  pipedriveClientId: z.string().min(1).optional(),
});
export type ConnectorConfig = z.infer<typeof ConnectorConfig>;

const CONTEXT_KEYS = Object.keys(ConnectorConfig.shape);

/** Validates raw context values; throws with every problem listed. */
export function parseConnectorConfig(raw: Record<string, unknown>): ConnectorConfig {
  const result = ConnectorConfig.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid ml-connector context: ${problems}`);
  }
  return result.data;
}

/** Reads the connector's context keys from a construct tree node. */
export function connectorConfigFrom(node: Node): ConnectorConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value: unknown = node.tryGetContext(key);
    if (value !== undefined) raw[key] = value;
  }
  return parseConnectorConfig(raw);
}

export function removalPolicyOf(config: ConnectorConfig): RemovalPolicy {
  return config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

/** A context value the deployment cannot work without; its message is the one line synth prints. */
export class MissingContextError extends Error {
  constructor(key: string, what: string) {
    super(`ml-connector: context ${key} (${what}) is required: cdk deploy -c ${key}=...`);
    this.name = 'MissingContextError';
  }
}
