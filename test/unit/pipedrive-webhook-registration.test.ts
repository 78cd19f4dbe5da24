import { webhookAuthMatches } from '../../functions/connections/pipedrive-webhook-credentials';
import { registerOrganizationWebhook, removeOrganizationWebhook } from '../../functions/connections/pipedrive-webhooks';
import { AuthError, PermanentError } from '../../functions/shared/errors';
import type { Log } from '../../functions/shared/log';
import type { Connection } from '../../functions/store/connections';

type Stored = NonNullable<Connection['pipedriveWebhook']>;

function harness(options: { refuseCreate?: Error; refuseDelete?: Error } = {}) {
  let stored: Stored | undefined;
  const created: { id: number; password: string; user: string; url: string }[] = [];
  const deleted: number[] = [];
  const logged: string[] = [];
  const line = (message: string, fields?: Record<string, unknown>) =>
    void logged.push(`${message} ${JSON.stringify(fields ?? {})}`);
  const log: Log = { debug: line, info: line, warn: line, error: line };
  const deps = {
    connections: {
      get: () => Promise.resolve(stored ? { pipedriveWebhook: stored } : undefined),
      setPipedriveWebhook: (_realm: string, webhook: Stored | undefined) => {
        stored = webhook;
        return Promise.resolve();
      },
    },
    pipedrive: {
      createOrganizationWebhook: (input: {
        subscriptionUrl: string;
        httpAuthUser: string;
        httpAuthPassword: string;
      }) => {
        if (options.refuseCreate) return Promise.reject(options.refuseCreate);
        const id = created.length + 1;
        created.push({ id, password: input.httpAuthPassword, user: input.httpAuthUser, url: input.subscriptionUrl });
        return Promise.resolve(id);
      },
      deleteWebhook: (id: number) => {
        if (options.refuseDelete) return Promise.reject(options.refuseDelete);
        deleted.push(id);
        return Promise.resolve();
      },
    },
    now: () => 0,
    log,
  };
  return { deps, created, deleted, logged, stored: () => stored };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const URL_ = 'https://api.example/webhooks/pipedrive/9130';

describe('registering the Pipedrive organization webhook (decision 63)', () => {
  it('stores what verifies the credentials, never the password, and never logs it', async () => {
    const h = harness();
    expect(await registerOrganizationWebhook('9130', URL_, h.deps)).toEqual({ registered: true, webhookId: 1 });
    const [given] = h.created;
    if (!given) throw new Error('nothing registered');
    expect(given.url).toBe(URL_);
    expect(given.password.length).toBeGreaterThanOrEqual(40);
    expect(JSON.stringify(h.stored())).not.toContain(given.password);
    expect(h.logged.join('\n')).not.toContain(given.password);
    expect(webhookAuthMatches(basic(given.user, given.password), h.stored())).toBe(true);
    expect(webhookAuthMatches(basic(given.user, `${given.password.slice(0, -1)}x`), h.stored())).toBe(false);
    expect(webhookAuthMatches(basic('someone', given.password), h.stored())).toBe(false);
    expect(webhookAuthMatches(undefined, h.stored())).toBe(false);
  });

  it('replaces the webhook of an earlier connect: the old one is deleted, its credentials no longer match', async () => {
    const h = harness();
    await registerOrganizationWebhook('9130', URL_, h.deps);
    await registerOrganizationWebhook('9130', URL_, h.deps);
    expect(h.deleted).toEqual([1]);
    expect(h.stored()?.id).toBe(2);
    const [first, second] = h.created;
    expect(webhookAuthMatches(basic(first?.user ?? '', first?.password ?? ''), h.stored())).toBe(false);
    expect(webhookAuthMatches(basic(second?.user ?? '', second?.password ?? ''), h.stored())).toBe(true);
  });

  it.each([
    ['not an admin (403)', new AuthError('Scope and URL mismatch', { system: 'pipedrive', status: 403 })],
    ['over the webhook limit', new PermanentError('A user may have at most 40 webhooks', { system: 'pipedrive' })],
  ])('reports a refusal (%s) without failing, and stores nothing', async (_what, error) => {
    const h = harness({ refuseCreate: error });
    const outcome = await registerOrganizationWebhook('9130', URL_, h.deps);
    expect(outcome).toEqual({ registered: false, reason: error.message });
    expect(h.stored()).toBeUndefined();
  });

  it('forgets the credentials even when Pipedrive refuses the delete', async () => {
    const h = harness({ refuseDelete: new AuthError('unauthorized access', { system: 'pipedrive', status: 401 }) });
    await registerOrganizationWebhook('9130', URL_, h.deps);
    expect(await removeOrganizationWebhook('9130', h.deps)).toBe(false);
    expect(h.stored()).toBeUndefined();
    expect(await removeOrganizationWebhook('9130', { ...h.deps, pipedrive: undefined })).toBe(false);
  });
});
