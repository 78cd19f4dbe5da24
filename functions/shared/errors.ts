/**
 * Every failure the connector handles is one of five kinds, and each kind has one path:
 * - transient: retry later with backoff (5xx, timeouts, resets);
 * - auth: refresh the credentials once, then mark the connection `needs_reauth` and park its work;
 * - rate-limited: wait at least `retryAfterMs`, without spending a retry (visibility change);
 * - permanent: the request itself is wrong; audit it as failed and acknowledge it;
 * - hard-stop: the remote side has blocked us (Pipedrive's Cloudflare 403); stop all calls to it until `retryAfterMs` and alarm.
 */
export type ErrorKind = 'transient' | 'auth' | 'rate-limited' | 'permanent' | 'hard-stop';
export type RemoteSystem = 'quickbooks' | 'pipedrive' | 'aws';

export interface ConnectorErrorDetails {
  system: RemoteSystem;
  status?: number;
  /** The remote system's request id (QBO `intuit_tid`), for its support desk. */
  requestId?: string;
  /** The remote error code (QBO `Fault.Error[].code`, OAuth `error`). */
  code?: string;
  cause?: unknown;
}

export abstract class ConnectorError extends Error {
  abstract readonly kind: ErrorKind;
  readonly system: RemoteSystem;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly code: string | undefined;

  constructor(message: string, details: ConnectorErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.system = details.system;
    this.status = details.status;
    this.requestId = details.requestId;
    this.code = details.code;
  }
}

export class TransientError extends ConnectorError {
  readonly kind = 'transient' as const;
}

export class AuthError extends ConnectorError {
  readonly kind = 'auth' as const;
}

export class RateLimitedError extends ConnectorError {
  readonly kind = 'rate-limited' as const;
  readonly retryAfterMs: number;

  constructor(message: string, details: ConnectorErrorDetails & { retryAfterMs: number }) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

export class PermanentError extends ConnectorError {
  readonly kind = 'permanent' as const;
}

export class HardStopError extends ConnectorError {
  readonly kind = 'hard-stop' as const;
  readonly retryAfterMs: number;

  constructor(message: string, details: ConnectorErrorDetails & { retryAfterMs: number }) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function isConnectorError(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError;
}

/** The kind of any thrown value: unknown failures are treated as transient (retried, then dead-lettered). */
export function errorKind(error: unknown): ErrorKind {
  return isConnectorError(error) ? error.kind : 'transient';
}

/** The rate-limited code of a spent daily share of the Pipedrive budget: the work waits for the next budget day. */
export const BUDGET_EXHAUSTED_CODE = 'daily_share';
