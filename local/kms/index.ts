import { Counters } from '../shared/counters';
import { FaultInjector, withFaults } from '../shared/faults';
import { serve, type RouteHandler } from '../shared/http';
import { KmsError } from './errors';
import { LocalKeyStore } from './key-store';
import { kmsOperations } from './operations';
import { answerKmsRequest, kmsErrorResponse, operationName } from './protocol';

/** The example account id of the AWS documentation: clearly not a real account. */
export const LOCAL_KMS_ACCOUNT_ID = '111122223333';

export interface LocalKmsOptions {
  /** Listening port; 0 (default) picks a free one. */
  port?: number;
  /** Listening address; loopback by default. */
  host?: string;
  /** The region in key ARNs; `us-east-1` by default. Clients may sign for any region. */
  region?: string;
  /** An alias (`alias/…`) for the default key. */
  alias?: string;
}

export interface LocalKmsClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface LocalKms {
  /** The endpoint to give `KMSClient`. */
  url: string;
  port: number;
  region: string;
  accountId: string;
  /** The key created at start. */
  keyId: string;
  keyArn: string;
  /** Spread into `new KMSClient({...})`: endpoint, region and dummy credentials (never verified). */
  clientConfig: LocalKmsClientConfig;
  /**
   * Faults for tests. Every KMS call is `POST /`, so a fault's `path` pattern is matched against
   * `/<Operation>` instead, e.g. `{ path: '^/Decrypt$', status: 400, body: { __type: 'ThrottlingException' } }`.
   */
  faults: FaultInjector;
  /** `calls` by operation, and `faults.injected` by operation. */
  counters: Counters;
  close(): Promise<void>;
}

/** Starts a local KMS speaking the JSON 1.1 protocol on loopback, with one symmetric key ready. */
export async function startLocalKms(options: LocalKmsOptions = {}): Promise<LocalKms> {
  const region = options.region ?? 'us-east-1';
  const store = new LocalKeyStore(region, LOCAL_KMS_ACCOUNT_ID);
  const key = store.createKey('ml-connector local token key');
  if (options.alias !== undefined) store.createAlias(options.alias, key.keyId);
  const operations = kmsOperations(store);
  const counters = new Counters();
  const faults = new FaultInjector();

  const answer: RouteHandler = (request) => {
    counters.increment('calls', request.path.slice(1));
    return answerKmsRequest(operations, request);
  };
  const faulted = withFaults(answer, faults, (request) => {
    counters.increment('faults.injected', request.path.slice(1));
  });
  const server = await serve(
    (request) =>
      request.method === 'POST' && request.path === '/'
        ? faulted({ ...request, path: `/${operationName(request) ?? ''}` })
        : kmsErrorResponse(new KmsError('UnknownOperationException', 'KMS answers POST / only.', 404)),
    {
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
    },
  );
  return {
    url: server.url,
    port: server.port,
    region,
    accountId: LOCAL_KMS_ACCOUNT_ID,
    keyId: key.keyId,
    keyArn: key.arn,
    clientConfig: { endpoint: server.url, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    faults,
    counters,
    close: () => server.close(),
  };
}
