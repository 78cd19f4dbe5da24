import { nextBudgetReset } from '../../functions/pipedrive/budget-day';
import { BUDGET_EXHAUSTED_CODE, isConnectorError } from '../../functions/shared/errors';
import { retryDelaySeconds } from '../../functions/shared/retry-policy';
import type { MessageQueue, QueuedMessage, SyncMessage } from '../../functions/sync/sync-message';
import type { SandboxClock } from '../../local/shared/clock';

/** One batch as the worker handles it; returns the messages that failed and why. */
export type BatchWork = (
  batch: SyncMessage[],
  requeue: MessageQueue,
) => Promise<{ message: SyncMessage; error: unknown }[]>;

export interface QueueRun {
  batches: number;
  /** Messages received, redeliveries included. */
  received: number;
  redelivered: number;
  /** Messages that failed their fifth receive (the queues' maxReceiveCount) and went to the DLQ. */
  deadLettered: number;
  /** Messages the budget share refused: parked (acknowledged) and sent again when the budget day turns, as the worker and poll do. */
  deferredForBudget: number;
  /** Failed receives by error (`name/code`), e.g. refusals of the day's budget share. */
  failures: Record<string, number>;
  /** Sandbox time when nothing could run: every message left was waiting out its retry delay (e.g. the budget day). */
  idleMs: number;
}

/** The queues' redrive policy (lib/queues.ts). */
const MAX_RECEIVES = 5;

interface Waiting {
  message: SyncMessage;
  groupId: string;
  visibleAt: number;
  receives: number;
}

/**
 * An SQS queue and its event-source mapping on the virtual clock: batches of `batchSize`, at
 * most `concurrency` at once; a failed message comes back after the worker's own retry delay
 * (retry-policy.ts). When every remaining message is waiting, the clock jumps to the first one.
 */
export async function drainQueue(options: {
  clock: SandboxClock;
  messages: readonly QueuedMessage[];
  batchSize: number;
  concurrency: number;
  work: BatchWork;
}): Promise<QueueRun> {
  const { clock } = options;
  const waiting: Waiting[] = options.messages.map((m) => ({
    message: m.body,
    groupId: m.groupId,
    visibleAt: clock.now(),
    receives: 0,
  }));
  const run: QueueRun = {
    batches: 0,
    received: 0,
    redelivered: 0,
    deadLettered: 0,
    deferredForBudget: 0,
    failures: {},
    idleMs: 0,
  };
  const requeue: MessageQueue = {
    send: (messages) => {
      for (const m of messages)
        waiting.push({ message: m.body, groupId: m.groupId, visibleAt: clock.now(), receives: 0 });
      return Promise.resolve();
    },
  };
  let inFlight = 0;
  /** FIFO: while a message of a group is in flight, no other message of that group is delivered. */
  const busyGroups = new Set<string>();
  let idle: (() => void)[] = [];
  const wake = () => {
    for (const resume of idle.splice(0)) resume();
  };

  /** The next batch in queue order, skipping groups that are in flight or whose head is not visible yet. */
  const take = (): Waiting[] => {
    const now = clock.now();
    const batch: Waiting[] = [];
    const blocked = new Set(busyGroups);
    for (let i = 0; i < waiting.length && batch.length < options.batchSize;) {
      const candidate = waiting[i];
      if (candidate && !blocked.has(candidate.groupId) && candidate.visibleAt <= now) {
        batch.push(candidate);
        waiting.splice(i, 1);
        continue;
      }
      if (candidate) blocked.add(candidate.groupId);
      i++;
    }
    for (const item of batch) busyGroups.add(item.groupId);
    return batch;
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const batch = take();
      if (batch.length === 0) {
        if (waiting.length === 0 && inFlight === 0) return;
        if (inFlight === 0) {
          // Only a head still invisible can hold the rest back: move to the first one to become visible.
          const now = clock.now();
          const next = Math.min(...waiting.filter((w) => w.visibleAt > now).map((w) => w.visibleAt));
          if (!Number.isFinite(next)) throw new Error('queue stuck: messages wait on nothing');
          const gap = next - now;
          run.idleMs += gap;
          clock.advance(gap);
          continue;
        }
        await new Promise<void>((resolve) => idle.push(resolve));
        continue;
      }
      inFlight++;
      run.batches++;
      run.received += batch.length;
      try {
        for (const item of batch) {
          item.receives++;
          if (item.receives > 1) run.redelivered++;
        }
        const failures = await options.work(
          batch.map((item) => item.message),
          requeue,
        );
        const retried: Waiting[] = [];
        for (const failure of failures) {
          const item = batch.find((w) => w.message === failure.message);
          if (!item) continue;
          const reason = failureReason(failure.error);
          run.failures[reason] = (run.failures[reason] ?? 0) + 1;
          if (isConnectorError(failure.error) && failure.error.code === BUDGET_EXHAUSTED_CODE) {
            // The worker parks it (no receive spent); the first poll of the new budget day sends it again.
            run.deferredForBudget++;
            retried.push({ ...item, receives: 0, visibleAt: nextBudgetReset(clock.now()) });
            continue;
          }
          if (item.receives >= MAX_RECEIVES) {
            run.deadLettered++;
            continue;
          }
          const delayMs = retryDelaySeconds(failure.error, item.receives, () => 0.5) * 1000;
          retried.push({ ...item, visibleAt: clock.now() + delayMs });
        }
        // Back at the head of their groups, in their order: later messages of a group wait behind them.
        waiting.unshift(...retried);
      } finally {
        for (const item of batch) busyGroups.delete(item.groupId);
        inFlight--;
        wake();
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  idle = [];
  return run;
}

function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  // The class, not `name`: an Error subclass that does not set `name` still says what it is.
  const kind = error.constructor.name || error.name;
  const code: unknown = Reflect.get(error, 'code');
  return typeof code === 'string' ? `${kind}/${code}` : kind;
}
