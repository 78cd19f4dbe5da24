import { naiveDelivery } from '../harness/deliveries';
import { measureEdits } from '../harness/edits';
import { startInProcessHarness } from '../harness/in-process';
import { naiveBackfill } from '../naive/naive-backfill';
import { mappedEdit, topLevelCustomerIds, unmappedEdit } from '../shared/customers';
import { meter, type Usage } from '../shared/meter';

export interface NaiveFigures {
  sample: number;
  backfill: { usage: Usage; elapsedMs: number };
  mapped: { changes: number; usage: Usage };
  unmapped: { changes: number; usage: Usage };
  burst: { changes: number; usage: Usage };
}

/**
 * The naive baseline on its own pair of sandboxes (the same seeded company), on the virtual clock:
 * a backfill of `sample` customers, then the same edits the connector gets on the local stack.
 */
export async function measureNaive(options: {
  dynamoEndpoint: string;
  sample: number;
  steady: number;
  burst: number;
}): Promise<NaiveFigures> {
  const harness = await startInProcessHarness({
    dynamoEndpoint: options.dynamoEndpoint,
    seedCount: options.sample,
    budgetShare: 1,
  });
  try {
    const measured = meter({ pipedrive: harness.pipedriveSandbox, qbo: harness.qboSandbox });
    const started = harness.clock.now();
    await naiveBackfill(harness);
    const backfill = { usage: measured(), elapsedMs: harness.clock.now() - started };
    const ids = topLevelCustomerIds(harness.qboSandbox, harness.realmId);
    const deliver = naiveDelivery(harness);
    const steadyIds = ids.slice(0, options.steady);
    const burstIds = ids.slice(0, options.burst);
    const mapped = await measureEdits(harness, steadyIds, (id) => mappedEdit(2, id), deliver);
    let round = 0;
    const unmapped = await measureEdits(harness, steadyIds, () => unmappedEdit(round++), deliver);
    const burst = await measureEdits(harness, burstIds, (id) => mappedEdit(3, id), deliver);
    return {
      sample: options.sample,
      backfill,
      mapped: { changes: steadyIds.length, usage: mapped },
      unmapped: { changes: steadyIds.length, usage: unmapped },
      burst: { changes: burstIds.length, usage: burst },
    };
  } finally {
    await harness.close();
  }
}
