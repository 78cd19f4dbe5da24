import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PipedriveFindingsSummary } from '../sync/pipedrive-findings-summary';
import { keys } from './table-schema';
import type { Table } from './table';

/**
 * What the last Pipedrive-side reconcile of a connection found, for `status` and the health page
 * (decision 64): one small item, replaced by each run.
 */
export class PipedriveFindingsStore {
  constructor(private readonly table: Table) {}

  async save(realmId: string, summary: PipedriveFindingsSummary): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.pipedriveFindings(realmId), ...summary },
      }),
    );
  }

  /** Undefined before the first run (or when an older version wrote something unreadable). */
  async read(realmId: string): Promise<PipedriveFindingsSummary | undefined> {
    const result = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.pipedriveFindings(realmId) }),
    );
    const parsed = PipedriveFindingsSummary.safeParse(result.Item);
    return parsed.success ? parsed.data : undefined;
  }
}
