import { createHash } from 'node:crypto';
import * as z from 'zod';
import { Plan, dailyTokenBudget } from './plans';

/** Sandbox options other than the clock and the listening address, parsed so bad input fails at start. */
export const SandboxConfigInput = z.strictObject({
  plan: Plan.default('growth'),
  seats: z.number().int().min(1).max(1000).default(1),
  companyId: z.number().int().positive().default(1),
  /** What `GET /v1/users/me` says about the company. */
  companyName: z.string().min(1).default('Sandbox Trading Co'),
  companyDomain: z.string().min(1).default('sandbox-trading'),
  /** The API token of user 1; further users' tokens in `extraApiTokens` (users 2, 3, …). */
  apiToken: z.string().min(1).optional(),
  extraApiTokens: z.array(z.string().min(1)).default([]),
  /** Whether `?api_token=` is accepted besides the header (still shown in Pipedrive tutorials; unverified on v2). */
  acceptApiTokenQuery: z.boolean().default(true),
  oauth: z
    .strictObject({
      clientId: z.string().min(1).default('pd-sandbox-client'),
      clientSecret: z.string().min(1).default('pd-sandbox-secret'),
      redirectUris: z.array(z.url()).min(1).default(['http://127.0.0.1:3000/oauth/pipedrive/callback']),
      scope: z.string().default('base contacts:full search:read contact-fields:full'),
    })
    .default({
      clientId: 'pd-sandbox-client',
      clientSecret: 'pd-sandbox-secret',
      redirectUris: ['http://127.0.0.1:3000/oauth/pipedrive/callback'],
      scope: 'base contacts:full search:read contact-fields:full',
    }),
  /** Overrides 30,000 × plan multiplier × seats, e.g. to exhaust the budget in a test. */
  dailyTokenBudget: z.number().int().min(0).optional(),
  escalation: z
    .strictObject({
      /** Answer api_token traffic that keeps sending into open 429 windows with Cloudflare's 403 page. */
      enabled: z.boolean().default(true),
      /** Requests sent while a 429's retry-after has not passed before the block starts. */
      threshold: z.number().int().min(1).default(20),
      /** How long the block lasts (sandbox time). The real duration is undocumented. */
      blockSeconds: z.number().int().min(1).default(600),
    })
    .default({ enabled: true, threshold: 20, blockSeconds: 600 }),
  /** Sandbox milliseconds before a created or updated record shows up in search (search lag is unverified). */
  searchIndexLagMs: z.number().int().min(0).default(0),
  faultSeed: z.number().int().default(1),
});
export type SandboxConfigInput = z.input<typeof SandboxConfigInput>;

export interface SandboxConfig extends z.output<typeof SandboxConfigInput> {
  apiToken: string;
}

export function resolveConfig(input: SandboxConfigInput): SandboxConfig {
  const parsed = SandboxConfigInput.parse(input);
  // Pipedrive API tokens are 40 hex characters; a stable default keeps runs reproducible.
  const apiToken =
    parsed.apiToken ?? createHash('sha1').update(`pipedrive-sandbox/${parsed.companyId}/user-1`).digest('hex');
  return { ...parsed, apiToken };
}

export function budgetOf(config: SandboxConfig): number {
  return config.dailyTokenBudget ?? dailyTokenBudget(config.plan, config.seats);
}
