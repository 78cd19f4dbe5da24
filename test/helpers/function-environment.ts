import { ConnectionStore } from '../../functions/store/connections';
import type { Table } from '../../functions/store/table';
import { storeNewTokens } from '../../functions/connections/token-lifecycle';
import { TokenStore } from '../../functions/store/token-store';
import { type PipedriveSandbox, startPipedriveSandbox } from '../../local/pipedrive';
import { type QuickBooksSandbox, startQuickBooksSandbox } from '../../local/quickbooks';
import { SandboxClock } from '../../local/shared/clock';
import { createTestTable, localDocumentClient } from './dynamodb';
import { localKmsCipher } from './kms';
import { useLocalAwsEnvironment } from './lambda-env';
import { control } from './quickbooks-sandbox';
import { createFifoQueue, localSqsClient } from './sqs';

/**
 * What a deployed function would find, on this machine: both sandboxes (on the wall clock, as the
 * functions pace themselves by it), DynamoDB Local, the local KMS, two FIFO queues, a connected
 * realm with stored tokens, and the environment variables the stack sets.
 */
export interface FunctionEnvironment {
  qbo: QuickBooksSandbox;
  pipedrive: PipedriveSandbox;
  table: Table;
  changesQueueUrl: string;
  bulkQueueUrl: string;
  realmId: string;
  /** Adds a QBO company to the sandbox and connects it to the same Pipedrive company (decision 35); returns its realm. */
  connectRealm(companyName: string): Promise<string>;
  close(): Promise<void>;
}

export async function startFunctionEnvironment(): Promise<FunctionEnvironment> {
  const clock = new SandboxClock();
  const qbo = await startQuickBooksSandbox({ clock, seed: false, throttle: false });
  const pipedrive = await startPipedriveSandbox({ clock, plan: 'growth', seats: 1 });
  const cipher = await localKmsCipher();
  const table: Table = { client: localDocumentClient(), name: await createTestTable() };
  const sqs = localSqsClient();
  const changesQueueUrl = (await createFifoQueue(sqs)).url;
  const bulkQueueUrl = (await createFifoQueue(sqs)).url;
  const info = qbo.describe();
  const pd = pipedrive.describe();
  const realmId = info.realmId;
  const connections = new ConnectionStore(table);
  const deps = { store: new TokenStore(table), cipher };
  let connectedAt = 0;
  const connect = async (realm: string, companyName: string) => {
    // Strictly later than the previous connection: the first one connected owns the bare ids (decision 35).
    connectedAt = Math.max(Date.now(), connectedAt + 1);
    await connections.create(realm, connectedAt, companyName);
    await connections.setPipedrive(
      realm,
      { companyId: String(pd.companyId), apiDomain: pd.apiBaseUrl, plan: pd.plan, seats: pd.seats, auth: 'api-token' },
      Date.now(),
    );
    const issued = (await control(qbo, 'POST', '/oauth/tokens', { realmId: realm })).body as {
      access_token: string;
      refresh_token: string;
    };
    await storeNewTokens(
      deps,
      realm,
      'quickbooks',
      { kind: 'oauth', accessToken: issued.access_token, refreshToken: issued.refresh_token },
      { accessTokenExpiresAt: Date.now() + 3_600_000 },
      Date.now(),
    );
    await storeNewTokens(deps, realm, 'pipedrive', { kind: 'api-token', apiToken: pd.apiToken }, {}, Date.now());
  };
  await connect(realmId, 'Sandbox Company_US_1');
  useLocalAwsEnvironment({
    AWS_ENDPOINT_URL_KMS: cipher.localKms.url,
    TABLE_NAME: table.name,
    CHANGES_QUEUE_URL: changesQueueUrl,
    BULK_QUEUE_URL: bulkQueueUrl,
    KMS_KEY_ID: cipher.localKms.keyArn,
    QBO_API_BASE_URL: info.apiBaseUrl,
    QBO_TOKEN_URL: info.tokenUrl,
    QBO_AUTHORIZE_URL: info.authorizeUrl,
    QBO_REVOKE_URL: info.revokeUrl,
    QBO_CLIENT_ID: info.clientId,
    QBO_CLIENT_SECRET: info.clientSecret,
    QBO_REDIRECT_URI: info.redirectUris[0] ?? '',
    PIPEDRIVE_ALLOW_HOSTS: new URL(pd.apiBaseUrl).host,
    QBO_APP_URL: 'https://app.sandbox.qbo.intuit.com',
  });
  return {
    qbo,
    pipedrive,
    table,
    changesQueueUrl,
    bulkQueueUrl,
    realmId,
    connectRealm: async (companyName) => {
      const added = (await control(qbo, 'POST', '/realms', { companyName })).body as { realmId: string };
      await connect(added.realmId, companyName);
      return added.realmId;
    },
    close: async () => {
      await Promise.all([qbo.close(), pipedrive.close(), cipher.close()]);
    },
  };
}
