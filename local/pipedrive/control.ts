import * as z from 'zod';
import { json, jsonBody, Router, type RouteHandler, type SandboxRequest, type SandboxResponse } from '../shared/http';
import { budgetOf } from './config';
import type { SandboxCore } from './core';
import { installSystemFields } from './field-definitions';
import { fieldViewV2 } from './field-views';
import { issueGrant, revokeGrant, type TokenResponse } from './oauth-tokens';
import { viewOrganization } from './organizations';
import { viewPerson } from './persons';
import { seed, type SeedResult } from './seed';
import { rfc3339, utcDay } from './time';

export const ClockInput = z.strictObject({
  /** Epoch milliseconds or an ISO timestamp. */
  set: z.union([z.number().int(), z.iso.datetime({ offset: true })]).optional(),
  advanceMs: z.number().int().min(0).optional(),
  scale: z.number().min(0).optional(),
});
export type ClockInput = z.input<typeof ClockInput>;

export const UninstallInput = z.strictObject({
  callbackUrl: z.url().optional(),
  userId: z.number().int().positive().default(1),
});

const SpendInput = z.strictObject({ tokens: z.number().int().min(1) });

/** Everything the control API offers, callable in-process as well. */
export class SandboxControl {
  constructor(
    private readonly core: SandboxCore,
    private readonly describe: () => unknown,
  ) {}

  seed(input: unknown): SeedResult {
    return seed(this.core, input);
  }

  counters() {
    const { core } = this;
    const now = core.clock.now();
    return {
      today: utcDay(now),
      dailyTokenBudget: budgetOf(core.config),
      tokensSpentToday: core.budget.spentToday(now),
      tokensRemainingToday: core.budget.remaining(now),
      tokensPerDay: core.budget.ledger(),
      requestsPerEndpoint: core.counters.snapshot().requests ?? {},
      responses429: core.counters.get('responses_429'),
      responses403: core.counters.get('responses_403'),
      counters: core.counters.snapshot(),
    };
  }

  state() {
    const { core } = this;
    const now = core.clock.now();
    const { store } = core;
    return {
      now,
      nowIso: rfc3339(now),
      company: { id: core.config.companyId, plan: core.config.plan, seats: core.config.seats },
      ...this.counters(),
      // Deleted and merged records are listed too, with `is_deleted` and `merged_into_id`.
      organizations: [...store.organizations.values()].map((organization): Record<string, unknown> => ({
        ...viewOrganization(core, organization),
        merged_into_id: organization.merged_into_id,
      })),
      persons: [...store.persons.values()].map((person) => viewPerson(core, person)),
      organizationFields: store.fields
        .filter((field) => field.entity === 'organization')
        .map((field) => fieldViewV2(field, [])),
      faults: core.faults.list(),
    };
  }

  addFault(spec: unknown): string {
    return this.core.faults.add(spec);
  }

  clock(input: unknown) {
    const { clock } = this.core;
    const parsed = ClockInput.parse(input);
    if (parsed.scale !== undefined) clock.setScale(parsed.scale);
    if (parsed.set !== undefined) clock.set(typeof parsed.set === 'number' ? parsed.set : Date.parse(parsed.set));
    if (parsed.advanceMs !== undefined) clock.advance(parsed.advanceMs);
    return { now: clock.now(), nowIso: rfc3339(clock.now()), scale: clock.scale };
  }

  /** Spends tokens as another integration of the company would (the budget is shared, [RL]). */
  spendTokens(input: unknown): { tokensSpentToday: number } {
    const { tokens } = SpendInput.parse(input);
    const now = this.core.clock.now();
    this.core.budget.spend(tokens, now);
    this.core.counters.increment('tokens', 'external', tokens);
    return { tokensSpentToday: this.core.budget.spentToday(now) };
  }

  /** Skips the authorize redirect: a grant as if the user had installed the app. */
  grantOAuth(): TokenResponse {
    const { core } = this;
    return issueGrant(core, core.config.oauth.clientId, core.config.oauth.scope, core.clock.now());
  }

  /**
   * The user uninstalls the app: every OAuth grant is revoked and, as Pipedrive's OAuth server does,
   * a `DELETE` with JSON `{ client_id, company_id, user_id, timestamp }` and HTTP Basic auth of the
   * client id and secret goes to the app's callback URL (the first redirect URI unless given;
   * https://pipedrive.readme.io/docs/app-uninstallation). Returns what the app answered.
   */
  async uninstallApp(input: unknown): Promise<{ callbackUrl: string; status: number }> {
    const { core } = this;
    const { callbackUrl, userId } = UninstallInput.parse(input);
    const url = callbackUrl ?? core.config.oauth.redirectUris[0] ?? '';
    for (const refreshToken of core.store.refreshTokens.keys()) revokeGrant(core, refreshToken);
    const { clientId, clientSecret } = core.config.oauth;
    const response = await fetch(url, {
      method: 'DELETE',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      },
      body: JSON.stringify({
        client_id: clientId,
        company_id: core.config.companyId,
        user_id: userId,
        timestamp: new Date(core.clock.now()).toISOString(),
      }),
    });
    await response.arrayBuffer();
    return { callbackUrl: url, status: response.status };
  }

  /** Empties the company and forgets all limits, counters, faults and OAuth grants; the options stay. */
  reset(): void {
    const { core } = this;
    core.store.clear();
    core.webhooks.clear();
    installSystemFields(core.store, core.clock.now());
    core.budget.reset();
    core.burst.reset();
    core.escalation.reset();
    core.counters.reset();
    core.faults.clear(core.config.faultSeed);
  }

  describeSandbox(): unknown {
    return this.describe();
  }
}

function problem(error: unknown): SandboxResponse {
  if (error instanceof z.ZodError) return json(400, { error: 'invalid input', issues: error.issues });
  return json(400, { error: error instanceof Error ? error.message : String(error) });
}

/** Wraps a control action: JSON in, JSON out, input errors as 400. */
function action(run: (request: SandboxRequest) => unknown, status = 200): RouteHandler {
  return (request) => {
    try {
      return json(status, run(request) ?? { ok: true });
    } catch (error) {
      return problem(error);
    }
  };
}

/** `/_sandbox/...`: no auth, JSON, zod-parsed. */
export function controlRouter(control: SandboxControl, core: SandboxCore): Router {
  const body = (request: SandboxRequest): unknown => {
    if (request.rawBody.length === 0) return {};
    const parsed = jsonBody(request);
    if (parsed === undefined) throw new Error('the body is not valid JSON');
    return parsed;
  };
  return new Router()
    .add(
      'GET',
      '/_sandbox/describe',
      action(() => control.describeSandbox()),
    )
    .add(
      'GET',
      '/_sandbox/state',
      action(() => control.state()),
    )
    .add(
      'GET',
      '/_sandbox/counters',
      action(() => control.counters()),
    )
    .add(
      'POST',
      '/_sandbox/seed',
      action((request) => control.seed(body(request)), 201),
    )
    .add(
      'GET',
      '/_sandbox/faults',
      action(() => core.faults.list()),
    )
    .add(
      'POST',
      '/_sandbox/faults',
      action((request) => ({ id: control.addFault(body(request)) }), 201),
    )
    .add(
      'DELETE',
      '/_sandbox/faults',
      action(() => {
        core.faults.clear();
      }),
    )
    .add(
      'DELETE',
      '/_sandbox/faults/:id',
      action((request) => ({ removed: core.faults.remove(request.params.id ?? '') })),
    )
    .add(
      'GET',
      '/_sandbox/latency',
      action(() => core.latency.describe()),
    )
    .add(
      'PUT',
      '/_sandbox/latency',
      action((request) => {
        core.latency.configure(body(request));
        return core.latency.describe();
      }),
    )
    .add(
      'GET',
      '/_sandbox/clock',
      action(() => control.clock({})),
    )
    .add(
      'POST',
      '/_sandbox/clock',
      action((request) => control.clock(body(request))),
    )
    .add(
      'POST',
      '/_sandbox/budget/spend',
      action((request) => control.spendTokens(body(request))),
    )
    .add(
      'POST',
      '/_sandbox/oauth/grant',
      action(() => control.grantOAuth(), 201),
    )
    .add('POST', '/_sandbox/uninstall', async (request) => {
      try {
        return json(200, await control.uninstallApp(body(request)));
      } catch (error) {
        return problem(error);
      }
    })
    .add(
      'POST',
      '/_sandbox/reset',
      action(() => {
        control.reset();
      }),
    );
}
