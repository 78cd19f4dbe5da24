import { editCustomer } from '../shared/qbo-control';
import { meter, type Usage } from '../shared/meter';
import type { Delivery } from './deliveries';
import type { InProcessHarness } from './in-process';

/** Edits each customer once in QBO, delivers one event per edit, and returns what the sync cost. */
export async function measureEdits(
  harness: InProcessHarness,
  ids: readonly string[],
  patchOf: (id: string) => Record<string, unknown>,
  deliver: Delivery,
): Promise<Usage> {
  for (const id of ids) await editCustomer(harness.qboSandbox, harness.realmId, id, patchOf(id));
  const measured = meter({ pipedrive: harness.pipedriveSandbox, qbo: harness.qboSandbox });
  await deliver(ids);
  return measured();
}
