import type { PipedriveSandbox } from '../../local/pipedrive';
import type { QuickBooksSandbox } from '../../local/quickbooks';

/** What the two sandboxes counted: the figures every benchmark compares. */
export interface Usage {
  /** Pipedrive tokens charged by the sandbox (its `x-token-cost` ledger), whoever sent the request. */
  pipedriveTokens: number;
  pipedriveRequests: number;
  pipedrive429s: number;
  /** QBO accounting API calls answered (OAuth and control calls excluded). */
  qboCalls: number;
  qbo429s: number;
}

function sum(values: Record<string, number> | undefined): number {
  return Object.values(values ?? {}).reduce((total, value) => total + value, 0);
}

/** Reads the sandboxes' own counters, so a figure never depends on the client's accounting. */
export function usage(sandboxes: { pipedrive: PipedriveSandbox; qbo: QuickBooksSandbox }): Usage {
  const pipedrive = sandboxes.pipedrive.counters;
  return {
    pipedriveTokens: pipedrive.get('tokens'),
    pipedriveRequests: sum(pipedrive.snapshot().requests),
    pipedrive429s: pipedrive.get('responses_429'),
    qboCalls: sandboxes.qbo.state.counters.get('qbo.requests'),
    qbo429s: sandboxes.qbo.state.counters.get('qbo.throttled'),
  };
}

/** Counts from `start` until the returned function is called. */
export function meter(sandboxes: { pipedrive: PipedriveSandbox; qbo: QuickBooksSandbox }): () => Usage {
  const start = usage(sandboxes);
  return () => {
    const now = usage(sandboxes);
    return {
      pipedriveTokens: now.pipedriveTokens - start.pipedriveTokens,
      pipedriveRequests: now.pipedriveRequests - start.pipedriveRequests,
      pipedrive429s: now.pipedrive429s - start.pipedrive429s,
      qboCalls: now.qboCalls - start.qboCalls,
      qbo429s: now.qbo429s - start.qbo429s,
    };
  };
}
