import { assertPipedriveApiDomain } from '../pipedrive/api-domain';
import { PipedriveClient } from '../pipedrive/client';
import { PipedriveOAuthClient, type PipedriveOAuthConfig } from '../pipedrive/oauth-client';
import type { ConnectionChange } from '../store/connection-changes';
import { ConnectionStore, type PipedrivePlan } from '../store/connections';
import type { Table } from '../store/table';
import type { TokenCipher } from '../store/token-cipher';
import { TokenStore } from '../store/token-store';
import type { MessageQueue } from '../sync/sync-message';
import { PermanentError } from '../shared/errors';
import type { Log } from '../shared/log';
import { ConnectionGuard, type SharingRealm } from './connection-guard';
import { disconnectPipedrive, type PipedriveDisconnected } from './pipedrive-disconnect';
import { removeOrganizationWebhook, type WebhookRegistration } from './pipedrive-webhooks';
import { storeNewTokens } from './token-lifecycle';

export interface PipedriveCommandsConfig {
  /** How long proving an API token (`users/me`) may take. */
  timeoutMs: number;
  /** The deployment's Pipedrive OAuth app, which a disconnect revokes the grant of; undefined without one. */
  pipedrive: PipedriveOAuthConfig | undefined;
  /** The plan and seats of the Pipedrive company (its API does not say), from the deployment's settings. */
  pipedrivePlan: PipedrivePlan;
  pipedriveSeats: number;
  /** Hosts besides `*.pipedrive.com` an API-token connection may name (the local sandbox); empty in production. */
  pipedriveAllowHosts?: readonly string[];
  /** Told of every change of what a connection is tied to (the handler counts it: an alarm watches). */
  onConnectionChanged?: (change: ConnectionChange) => void;
  /** Registers the connection's organization webhook once connected (decision 63); absent when they are off. */
  registerWebhook?: (realmId: string) => Promise<WebhookRegistration>;
  /** Deletes the connection's webhook in Pipedrive on a disconnect; without it only its credentials are forgotten. */
  removeWebhook?: (realmId: string) => Promise<boolean>;
}

/**
 * What the operator's CLI does to a connection's Pipedrive side without a browser: connect it with a
 * user's API token, or disconnect it. The browser flows are `OAuthFlow`'s.
 */
export class PipedriveCommands {
  private readonly connections: ConnectionStore;
  private readonly tokens: TokenStore;
  private readonly guard: ConnectionGuard;

  constructor(
    table: Table,
    private readonly cipher: TokenCipher,
    queue: MessageQueue,
    private readonly config: PipedriveCommandsConfig,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {
    this.connections = new ConnectionStore(table);
    this.tokens = new TokenStore(table);
    this.guard = new ConnectionGuard(table, queue, config, log, now);
  }

  /**
   * Connects Pipedrive with a user's API token (`ml-connector connect pipedrive --api-token`): the token
   * is proved with `GET /v1/users/me` (2 tokens) before it is encrypted and stored. On Pipedrive
   * itself the company's own origin becomes the API domain, so the budget ledger is the one OAuth
   * connections of the same company share.
   */
  async connectApiToken(
    realmId: string,
    apiToken: string,
    apiDomain = 'https://api.pipedrive.com',
    confirmShared = false,
    replace = false,
  ): Promise<
    | {
        companyName: string;
        apiDomain: string;
        released: number;
        sharedWith: SharingRealm[];
        webhook?: WebhookRegistration;
      }
    | { needsConfirmation: true; companyName: string; apiDomain: string; sharedWith: SharingRealm[] }
  > {
    const connection = await this.connections.get(realmId);
    if (!connection) throw new PermanentError(`connect QuickBooks company ${realmId} first`, { system: 'quickbooks' });
    await this.guard.refuseDuringBlock(realmId);
    const allowHosts = this.config.pipedriveAllowHosts ?? [];
    const origin = assertPipedriveApiDomain(apiDomain, { allowHosts });
    const me = await new PipedriveClient(
      { apiDomain: origin, allowHosts, timeoutMs: this.config.timeoutMs },
      { kind: 'api-token', apiToken },
      { run: (_operation, send) => send() },
    ).currentUser();
    const companyDomain = new URL(origin).host.endsWith('pipedrive.com')
      ? assertPipedriveApiDomain(`https://${me.company_domain}.pipedrive.com`, { allowHosts })
      : origin;
    // Another QBO company already writing into this Pipedrive company: the operator confirms first (decision 37).
    const sharedWith = await this.guard.realmsWritingInto(new URL(companyDomain).host, realmId);
    if (sharedWith.length > 0 && !confirmShared)
      return { needsConfirmation: true, companyName: me.company_name, apiDomain: companyDomain, sharedWith };
    const refused = await this.guard.guardCompanyChange(connection, new URL(companyDomain).host, replace, undefined);
    if (refused) throw new PermanentError(`${refused.title}: ${refused.detail}`, { system: 'pipedrive' });
    await storeNewTokens(
      { store: this.tokens, cipher: this.cipher },
      realmId,
      'pipedrive',
      { kind: 'api-token', apiToken },
      {},
      this.now(),
    );
    await this.connections.setPipedrive(
      realmId,
      {
        companyId: new URL(companyDomain).host,
        apiDomain: companyDomain,
        plan: this.config.pipedrivePlan,
        seats: this.config.pipedriveSeats,
        auth: 'api-token',
      },
      this.now(),
    );
    const released = await this.guard.resumePipedrive(realmId);
    const webhook = await this.config.registerWebhook?.(realmId);
    this.log.info('Pipedrive connected with an API token', {
      realmId,
      companyId: new URL(companyDomain).host,
      released,
    });
    return {
      companyName: me.company_name,
      apiDomain: companyDomain,
      released,
      sharedWith,
      ...(webhook ? { webhook } : {}),
    };
  }

  /** `ml-connector disconnect pipedrive` (decision 63): webhook removed, grant revoked, credential forgotten. */
  async disconnect(realmId: string): Promise<PipedriveDisconnected> {
    const forgetWebhook = (id: string) =>
      removeOrganizationWebhook(id, {
        connections: this.connections,
        pipedrive: undefined,
        now: this.now,
        log: this.log,
      });
    const oauth = this.config.pipedrive;
    return disconnectPipedrive(realmId, {
      connections: this.connections,
      tokens: this.tokens,
      cipher: this.cipher,
      removeWebhook: this.config.removeWebhook ?? forgetWebhook,
      ...(oauth ? { revoke: (token: string) => new PipedriveOAuthClient(oauth, fetch, this.now).revoke(token) } : {}),
      now: this.now,
      log: this.log,
    });
  }
}
