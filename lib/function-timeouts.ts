/**
 * Each function's Lambda timeout in seconds. Plain numbers, so the local stack gives its handlers
 * the same time (its Lambda context reports what is left of it) without loading the CDK.
 */
export const FUNCTION_TIMEOUT_SECONDS = {
  webhook: 10,
  worker: 60,
  cdcPoll: 5 * 60,
  oauth: 15,
  tokenUpkeep: 5 * 60,
  backfill: 15 * 60,
  operations: 5 * 60,
} as const;

export type FunctionName = keyof typeof FUNCTION_TIMEOUT_SECONDS;
