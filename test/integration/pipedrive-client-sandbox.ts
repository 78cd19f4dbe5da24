import type { PipedriveSandbox } from '../../local/pipedrive';
import { BudgetGovernor } from '../../functions/pipedrive/budget-governor';
import { PipedriveClient } from '../../functions/pipedrive/client';
import { BudgetLedger } from '../../functions/store/budget-ledger';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';
import { startTestSandbox } from './pipedrive-sandbox-helpers';

export const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/pipedrive/callback';

/** Sleeps in virtual time: to `now + ms` on the sandbox clock, after letting pending I/O run. */
function virtualSleep(sandbox: PipedriveSandbox) {
  return async (ms: number) => {
    const until = sandbox.clock.now() + ms;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (sandbox.clock.now() < until) sandbox.clock.advance(until - sandbox.clock.now());
  };
}

export function sandboxHost(sandbox: PipedriveSandbox): string {
  return new URL(sandbox.url).host;
}

export function requests(sandbox: PipedriveSandbox): number {
  return sandbox.counters.get('requests');
}

/**
 * A table for the budget ledger, shared by the describe, and a fresh sandbox with a governed client
 * for each test that calls `start`.
 */
export function usePipedriveClientSandbox() {
  const documents = localDocumentClient();
  let tableName: string;
  let sandbox: PipedriveSandbox | undefined;
  let ledger: BudgetLedger;

  beforeAll(async () => {
    tableName = await createTestTable();
    ledger = new BudgetLedger({ client: documents, name: tableName });
  });
  afterAll(() => {
    documents.destroy();
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function start(options: Parameters<typeof startTestSandbox>[0] = {}) {
    const started = await startTestSandbox({ plan: 'growth', seats: 1, ...options });
    sandbox = started;
    const description = started.describe();
    const governor = new BudgetGovernor(
      { companyId: `client-${started.port}`, plan: 'growth', seats: 1, auth: 'api-token' },
      { ledger, now: () => started.clock.now(), sleep: virtualSleep(started) },
    );
    const client = new PipedriveClient(
      { apiDomain: description.apiBaseUrl, allowHosts: [sandboxHost(started)], timeoutMs: 2000 },
      { kind: 'api-token', apiToken: description.apiToken },
      governor,
    );
    return { client, governor, description, sandbox: started };
  }
  /** The sandbox the test started. */
  function current(): PipedriveSandbox {
    if (!sandbox) throw new Error('start the sandbox first');
    return sandbox;
  }
  return {
    start,
    sandbox: current,
    /** What a governor of the test's own needs: the shared ledger, the sandbox's clock and a virtual sleep. */
    governorDeps: () => ({ ledger, now: () => current().clock.now(), sleep: virtualSleep(current()) }),
    table: () => ({ client: documents, name: tableName }),
  };
}
