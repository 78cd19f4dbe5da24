import type { tableNamed } from '../../functions/store/table-client';
import { AuditLog } from '../../functions/store/audit-log';
import { refValue } from '../../local/quickbooks/json';
import type { LocalStack } from '../../local/stack/local-stack';
import { deadLetters, type sqsFor } from './queues';
import type { explainRetries, RetryReason } from './retry-reasons';

/** What the chaos run finds at its end: secrets to look for, counters, and what became of each dead letter. */

export interface DeadLetterReport {
  queue: string;
  kind: string;
  id: string;
  customer: string | undefined;
  reasons: RetryReason[];
  /** Every failure was one the run injected. */
  explained: boolean;
  /** The customer matches Pipedrive after the reconcile anyway. */
  inSync: boolean;
  /** An audit entry says why it was dead-lettered. */
  audited: boolean;
  /** One of its receives was spent on a rate limit (none may be: decision 33). */
  rateLimited: boolean;
}

/** Every secret the run issued or configured, by what it is: none may appear in the output. */
export function knownSecrets(stack: LocalStack): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const secret of stack.qbo.state.oauth.issuedSecrets()) secrets.set(secret, 'QBO token or code');
  const store = stack.pipedrive.store;
  for (const secret of store.accessTokens.keys()) secrets.set(secret, 'Pipedrive access token');
  for (const secret of store.refreshTokens.keys()) secrets.set(secret, 'Pipedrive refresh token');
  for (const secret of store.authorizationCodes.keys()) secrets.set(secret, 'Pipedrive authorization code');
  const qboApp = stack.qbo.describe();
  secrets.set(qboApp.clientSecret, 'QBO client secret');
  secrets.set(qboApp.verifierToken, 'webhook verifier token');
  secrets.set(stack.pipedrive.describe().oauth.clientSecret, 'Pipedrive client secret');
  if (process.env.OAUTH_START_TOKEN) secrets.set(process.env.OAUTH_START_TOKEN, 'connection start token');
  return secrets;
}

/** What the sandboxes and the stack counted during the run. */
export function chaosCounters(stack: LocalStack, applied: Record<string, number>) {
  const qboCounters = stack.qbo.state.counters;
  const pdCounters = stack.pipedrive.counters;
  return {
    qboRequests: qboCounters.get('qbo.requests'),
    qbo429: qboCounters.get('qbo.throttled') + (applied['qbo 429 burst'] ?? 0),
    pipedrive429: pdCounters.get('responses', '429'),
    qboRefreshes: qboCounters.get('oauth.refreshes'),
    qboRotations: qboCounters.get('oauth.rotations'),
    qboInvalidGrant: qboCounters.get('oauth.invalid_grant'),
    pipedriveRefreshes: pdCounters.get('oauth_token_requests', 'refresh_token'),
    webhooksDropped: qboCounters.get('webhook.dropped'),
    webhooksDuplicated: qboCounters.get('webhook.duplicated'),
    webhooksDelivered: qboCounters.get('webhook.delivered'),
    workerInvocations: stack.invocations(),
  };
}

/** Each dead letter: its customer, why it failed, whether that was injected, audited, and in sync anyway. */
export async function deadLetterReports(
  stack: LocalStack,
  sqs: ReturnType<typeof sqsFor>,
  table: ReturnType<typeof tableNamed>,
  run: {
    company: ReturnType<LocalStack['qbo']['state']['requireCompany']>;
    reasons: ReturnType<typeof explainRetries>;
    mismatched: Set<string>;
  },
): Promise<DeadLetterReport[]> {
  const { company, reasons, mismatched } = run;
  const audit = new AuditLog(table, 90);
  const auditedDeadLetters = new Set<string>();
  const letters = await deadLetters(stack, sqs);
  for (const letter of letters) {
    const message = letter.message;
    const qboId = message ? (message.kind === 'customer' ? message.id : `${message.kind}:${message.id}`) : 'unreadable';
    const history = await audit.history(message?.realmId ?? 'unknown', qboId, { limit: 200 });
    for (const entry of history.entries)
      if (entry.note?.startsWith('dead-lettered') && entry.eventId !== undefined) auditedDeadLetters.add(entry.eventId);
    if (!message && history.entries.some((entry) => entry.note?.startsWith('dead-lettered')))
      auditedDeadLetters.add('unreadable');
  }
  return letters.map((letter): DeadLetterReport => {
    const message = letter.message;
    const customer =
      message === undefined
        ? undefined
        : message.kind === 'customer'
          ? message.id
          : refValue(company.read(message.kind === 'invoice' ? 'Invoice' : 'Payment', message.id) ?? {}, 'CustomerRef');
    const why = message ? (reasons.get(message.eventId) ?? []) : [];
    return {
      queue: letter.queue,
      kind: message?.kind ?? 'unreadable',
      id: message?.id ?? '?',
      customer,
      reasons: why,
      explained: why.some((reason) => reason.injected) && why.every((reason) => reason.injected || reason.contention),
      inSync: customer !== undefined && !mismatched.has(customer),
      audited: auditedDeadLetters.has(message?.eventId ?? 'unreadable'),
      rateLimited: why.some((reason) => reason.kind === 'rate-limited'),
    };
  });
}
