import { HardStopError } from '../shared/errors';
import type { Log } from '../shared/log';
import { ConnectionChanges, type ConnectionChange } from '../store/connection-changes';
import { type Connection, ConnectionStore } from '../store/connections';
import { ParkingStore } from '../store/parking-store';
import { PipedriveBlockStore } from '../store/pipedrive-block-store';
import type { Table } from '../store/table';
import { type MessageQueue, released } from '../sync/sync-message';
import { type OAuthOutcome, page } from './oauth-outcome';

/** Another QBO company that writes into the same Pipedrive company. */
export interface SharingRealm {
  realmId: string;
  companyName?: string;
}

interface ConnectionGuardConfig {
  /** Told of every change of what a connection is tied to (the handler counts it: an alarm watches). */
  onConnectionChanged?: (change: ConnectionChange) => void;
}

/**
 * What every way of connecting Pipedrive checks and does around it (OAuth and API token alike):
 * no reconnect during a block, no silent move to another company, the companies' other realms, and
 * the work parked while the connection was broken sent back.
 */
export class ConnectionGuard {
  private readonly connections: ConnectionStore;
  private readonly parking: ParkingStore;
  private readonly blocks: PipedriveBlockStore;
  private readonly changes: ConnectionChanges;

  constructor(
    table: Table,
    private readonly queue: MessageQueue,
    private readonly config: ConnectionGuardConfig,
    private readonly log: Log,
    private readonly now: () => number,
  ) {
    this.connections = new ConnectionStore(table);
    this.parking = new ParkingStore(table);
    this.blocks = new PipedriveBlockStore(table);
    this.changes = new ConnectionChanges(table);
  }

  /** A reconnect calls Pipedrive too: not while the company it was connected to is blocked (decision 32). */
  async refuseDuringBlock(realmId: string): Promise<void> {
    const companyId = (await this.connections.get(realmId))?.pipedrive?.companyId;
    const until = companyId === undefined ? undefined : await this.blocks.blockedUntil(companyId);
    const now = this.now();
    if (until !== undefined && until > now)
      throw new HardStopError(
        `Pipedrive blocked the connector (Cloudflare page); calls are stopped until ${new Date(until).toISOString()}`,
        { system: 'pipedrive', code: 'cloudflare_block', retryAfterMs: until - now },
      );
  }

  /** The other connections that write into a Pipedrive company. */
  async realmsWritingInto(companyId: string, realmId: string): Promise<SharingRealm[]> {
    return (await this.connections.list())
      .filter((connection) => connection.realmId !== realmId && connection.pipedrive?.companyId === companyId)
      .map((connection) => ({
        realmId: connection.realmId,
        ...(connection.companyName !== undefined ? { companyName: connection.companyName } : {}),
      }));
  }

  /**
   * Decision 39: moving a connection to another Pipedrive company sends its customers elsewhere, so it
   * needs a `--replace` link (or `--replace` on the CLI), and is then recorded and counted (alarmed).
   * Returns the page to show when it is refused.
   */
  async guardCompanyChange(
    connection: Connection,
    companyId: string,
    replace: boolean,
    linkNonce: string | undefined,
  ): Promise<OAuthOutcome | undefined> {
    const current = connection.pipedrive?.companyId;
    if (current === undefined || current === companyId) return undefined;
    if (!replace) {
      this.log.warn('Pipedrive company change refused', { realmId: connection.realmId, from: current, to: companyId });
      return page(
        409,
        'This QuickBooks company already syncs to another Pipedrive company',
        `QuickBooks company ${connection.realmId} syncs to ${current}. Nothing was changed. To move it, the operator mints a link with --replace.`,
      );
    }
    await this.recordChange({
      realmId: connection.realmId,
      at: this.now(),
      change: 'pipedrive-company',
      from: current,
      to: companyId,
      ...(linkNonce ? { linkNonce } : {}),
    });
    return undefined;
  }

  async recordChange(change: ConnectionChange): Promise<void> {
    await this.changes.record(change);
    this.log.warn('connection changed', { ...change });
    this.config.onConnectionChanged?.(change);
  }

  /**
   * Pipedrive is connected again: a connection stopped for its Pipedrive side (a dead grant, an
   * uninstall, a disconnect) is active again, one stopped for QuickBooks waits for QuickBooks; the
   * parked work is sent back either way (the worker parks it again while the connection is stopped).
   */
  async resumePipedrive(realmId: string): Promise<number> {
    const connection = await this.connections.get(realmId);
    if (connection && connection.status !== 'active' && connection.statusReason?.startsWith('pipedrive:'))
      await this.connections.setStatus(realmId, 'active', this.now());
    return this.releaseParked(realmId);
  }

  async releaseParked(realmId: string): Promise<number> {
    return this.parking.releaseTo(realmId, 'reauth', (page) =>
      this.queue.send(page.map(({ message }) => released(message, 'unparked', this.now()))),
    );
  }
}
