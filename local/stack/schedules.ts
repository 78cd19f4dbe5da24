import type { SQSClient } from '@aws-sdk/client-sqs';
import { WORKER_BATCH_SIZE, WORKER_MAX_CONCURRENCY, SCHEDULE_BATCH_SIZE } from '../../lib/event-source-settings';
import { type RunningEventSource, startSqsEventSource } from '../aws/sqs-event-source';
import type { LocalStorage } from './emulators';
import type { Invoke } from './routes';

/** The stack's event-source mappings (lib/event-source-settings.ts): realtime before bulk. */
const EVENT_SOURCES = {
  changes: { batchSize: WORKER_BATCH_SIZE, maxConcurrency: WORKER_MAX_CONCURRENCY.changes },
  bulk: { batchSize: WORKER_BATCH_SIZE, maxConcurrency: WORKER_MAX_CONCURRENCY.bulk },
  // The stack polls 10 connections at once; two in one local process are plenty for a few realms.
  schedule: { batchSize: SCHEDULE_BATCH_SIZE, maxConcurrency: 2 },
} as const;

const TOKEN_UPKEEP_INTERVAL_MS = 60 * 60_000;

/** The SQS event sources: the worker on `changes` and `bulk`, the poll function on `schedule`. */
export function startEventSources(
  sqs: SQSClient,
  storage: LocalStorage,
  invoke: Invoke,
  onError: (error: unknown) => void,
): RunningEventSource[] {
  const source = (
    queueUrl: string,
    name: 'worker' | 'cdcPoll',
    settings: (typeof EVENT_SOURCES)[keyof typeof EVENT_SOURCES],
  ) =>
    startSqsEventSource({
      sqs,
      queueUrl,
      handler: (event) => invoke(name, event),
      ...settings,
      context: () => ({}),
      onError,
    });
  return [
    source(storage.changesQueueUrl, 'worker', EVENT_SOURCES.changes),
    source(storage.bulkQueueUrl, 'worker', EVENT_SOURCES.bulk),
    source(storage.scheduleQueueUrl, 'cdcPoll', EVENT_SOURCES.schedule),
  ];
}

/** The EventBridge rules (lib/schedules.ts): the CDC poll and the hourly token upkeep. */
export function startSchedules(invoke: Invoke, pollIntervalMs: number, onError: (error: unknown) => void) {
  const timers = [
    // As EventBridge does: the poll fans out into one unit per connection on the schedule queue.
    setInterval(() => void invoke('cdcPoll', { mode: 'poll', fanOut: true }).catch(onError), pollIntervalMs),
    setInterval(() => void invoke('tokenUpkeep', {}).catch(onError), TOKEN_UPKEEP_INTERVAL_MS),
  ];
  for (const timer of timers) timer.unref();
  return {
    stop: () => {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
