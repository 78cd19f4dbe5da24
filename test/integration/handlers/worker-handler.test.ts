import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SqsMessageQueue } from '../../../functions/platform/sqs-queue';
import { ConnectionStore } from '../../../functions/store/connections';
import { ParkingStore } from '../../../functions/store/parking-store';
import type { Table } from '../../../functions/store/table';
import { storeNewTokens } from '../../../functions/store/token-lifecycle';
import { TokenStore } from '../../../functions/store/token-store';
import { queued, type SyncMessage } from '../../../functions/sync/sync-message';
import { type PipedriveSandbox, startPipedriveSandbox } from '../../../local/pipedrive';
import { type QuickBooksSandbox, startQuickBooksSandbox } from '../../../local/quickbooks';
import { SandboxClock } from '../../../local/shared/clock';
import { createTestTable, localDocumentClient } from '../../helpers/dynamodb';
import { localKmsCipher } from '../../helpers/kms';
import { lambdaContext, loadHandler, useLocalAwsEnvironment } from '../../helpers/lambda-env';
import { control } from '../../helpers/quickbooks-sandbox';
import { createFifoQueue, localSqsClient, receiveAsLambdaEvent } from '../../helpers/sqs';

const sqs = localSqsClient();
let qbo: QuickBooksSandbox;
let pipedrive: PipedriveSandbox;
let table: Table;
let queueUrl: string;
let realm: string;
let cipher: Awaited<ReturnType<typeof localKmsCipher>>;
let handler: (event: unknown, context: unknown) => Promise<unknown>;

beforeAll(async () => {
  // Real-time clocks: the worker's governor paces itself by the wall clock, as in Lambda.
  const clock = new SandboxClock();
  qbo = await startQuickBooksSandbox({ clock, seed: false, throttle: false });
  pipedrive = await startPipedriveSandbox({ clock, plan: 'growth', seats: 1 });
  cipher = await localKmsCipher();
  table = { client: localDocumentClient(), name: await createTestTable() };
  queueUrl = (await createFifoQueue(sqs)).url;
  realm = qbo.describe().realmId;
  const info = qbo.describe();
  const pd = pipedrive.describe();
  const connections = new ConnectionStore(table);
  await connections.create(realm, Date.now(), 'Sandbox Company_US_1');
  await connections.setPipedrive(
    realm,
    { companyId: String(pd.companyId), apiDomain: pd.apiBaseUrl, plan: pd.plan, seats: pd.seats, auth: 'api-token' },
    Date.now(),
  );
  const issued = (await control(qbo, 'POST', '/oauth/tokens', { realmId: realm })).body as {
    access_token: string;
    refresh_token: string;
  };
  const deps = { store: new TokenStore(table), cipher };
  await storeNewTokens(
    deps,
    realm,
    'quickbooks',
    { kind: 'oauth', accessToken: issued.access_token, refreshToken: issued.refresh_token },
    { accessTokenExpiresAt: Date.now() + 3_600_000 },
    Date.now(),
  );
  await storeNewTokens(deps, realm, 'pipedrive', { kind: 'api-token', apiToken: pd.apiToken }, {}, Date.now());
  useLocalAwsEnvironment({
    AWS_ENDPOINT_URL_KMS: cipher.localKms.url,
    TABLE_NAME: table.name,
    CHANGES_QUEUE_URL: queueUrl,
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
  handler = loadHandler(require.resolve('../../../functions/handlers/worker'));
});
afterAll(async () => {
  await Promise.all([qbo.close(), pipedrive.close(), cipher.close()]);
});

const message = (id: string, eventId = `e-${id}-${Math.random()}`): SyncMessage => ({
  v: 1,
  realmId: realm,
  kind: 'customer',
  id,
  source: 'webhook',
  eventId,
  enqueuedAt: Date.now(),
});
const createCustomer = async (name: string) =>
  (
    (await control(qbo, 'POST', `/realms/${realm}/customers`, { DisplayName: name })).body as {
      Customer: { Id: string };
    }
  ).Customer.Id;
const liveOrgs = () => [...pipedrive.store.organizations.values()].filter((o) => !o.is_deleted);
const run = async () =>
  (await handler(await receiveAsLambdaEvent(sqs, queueUrl), lambdaContext('worker'))) as {
    batchItemFailures: { itemIdentifier: string }[];
  };

describe('worker Lambda', () => {
  it('syncs a customer from a queue message, creating the custom fields on first use', async () => {
    const id = await createCustomer('Worker Co');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    const response = await run();
    expect(response.batchItemFailures).toEqual([]);
    expect(liveOrgs().map((o) => o.name)).toEqual(['Worker Co']);
    const connection = await new ConnectionStore(table).get(realm);
    expect(Object.keys(connection?.fieldKeys ?? {}).sort()).toEqual([
      'openBalance',
      'overdueBalance',
      'paymentTerms',
      'quickbooksId',
      'quickbooksLink',
      'quickbooksStatus',
    ]);
  });

  it('reports only the unreadable record of a batch as failed', async () => {
    const id = await createCustomer('Batch Co');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'not json',
        MessageGroupId: 'poison',
        MessageDeduplicationId: `poison-${Math.random()}`,
      }),
    );
    const event = await receiveAsLambdaEvent(sqs, queueUrl);
    const poison = event.Records.find((r) => r.body === 'not json');
    const response = (await handler(event, lambdaContext('worker'))) as {
      batchItemFailures: { itemIdentifier: string }[];
    };
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison?.messageId }]);
    expect(liveOrgs().map((o) => o.name)).toContain('Batch Co');
  });

  it('backs off a Pipedrive 429 by the visibility timeout and reports the record for a retry', async () => {
    const id = await createCustomer('Throttled Co');
    pipedrive.faults.add({
      method: 'POST',
      path: '^/api/v2/organizations$',
      status: 429,
      body: { success: false, error: 'Rate limit has been exceeded' },
      headers: { 'retry-after': '300' },
      count: 1,
    });
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    const response = await run();
    expect(response.batchItemFailures).toHaveLength(1);
    // Invisible for the wait Pipedrive asked for, not back at once.
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect(again.Messages ?? []).toHaveLength(0);
  });

  it('parks the work of a connection whose QuickBooks grant died, instead of failing it towards the DLQ', async () => {
    const id = await createCustomer('Orphan Co');
    await control(qbo, 'POST', '/oauth/revoke-realm', { realmId: realm });
    await control(qbo, 'POST', '/oauth/expire-access-tokens');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    const response = await run();
    expect(response.batchItemFailures).toEqual([]);
    expect(await new ParkingStore(table).count(realm)).toBe(1);
    expect(await new ConnectionStore(table).get(realm)).toMatchObject({ status: 'needs_reauth' });
  });
});
