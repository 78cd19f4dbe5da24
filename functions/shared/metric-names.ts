/** Every metric the connector publishes (EMF, namespace from POWERTOOLS_METRICS_NAMESPACE), in one place for the dashboard and alarms. */
export const METRICS = {
  webhookEventsReceived: 'WebhookEventsReceived',
  webhookRejected: 'WebhookRejected',
  webhookUnknownRealm: 'WebhookUnknownRealm',
  webhookStale: 'WebhookStaleEvents',
  webhookLeftToPoll: 'WebhookEventsLeftToPoll',
  /** Signed deliveries, or items in them, that were not understood (bad ids, unknown shape): acknowledged, dropped, logged. */
  webhookUnreadable: 'WebhookUnreadableItems',
  /** Pipedrive organization webhooks judged by the worker, and deliveries refused (401/400) (decision 63). */
  pipedriveWebhookEvents: 'PipedriveWebhookEvents',
  pipedriveWebhookRejected: 'PipedriveWebhookRejected',
  enqueued: 'MessagesEnqueued',
  created: 'OrganizationsCreated',
  updated: 'OrganizationsUpdated',
  unchanged: 'CustomersUnchanged',
  stale: 'StaleChangesSkipped',
  excluded: 'CustomersExcluded',
  failed: 'SyncFailures',
  merged: 'OrganizationsMerged',
  requeued: 'TransactionsResolved',
  parked: 'MessagesParked',
  /** Work the Pipedrive budget share had no room for today, parked for the next budget day. */
  deferredForBudget: 'MessagesDeferredForBudget',
  /** Work a rate limit held up (QBO 429, the shared QBO limiter, a Pipedrive burst), parked without spending a receive. */
  deferredForRateLimit: 'MessagesDeferredForRateLimit',
  releasedFromBudget: 'MessagesReleasedForBudget',
  pipedriveTokens: 'PipedriveTokensSpent',
  pipedriveRateLimited: 'PipedriveRateLimited',
  pipedriveHardStops: 'PipedriveHardStops',
  qboRateLimited: 'QuickBooksRateLimited',
  qboCalls: 'QuickBooksCalls',
  tokenRefreshes: 'TokenRefreshes',
  tokenRefreshFailures: 'TokenRefreshFailures',
  needsReauth: 'ConnectionsNeedingReauth',
  /** A `--replace` link moved a connection to another Pipedrive company or realm (decision 39): alarmed. */
  connectionsChanged: 'ConnectionsReplaced',
  /** Each run of the CDC poll that finished: the heartbeat an alarm treats missing data as breaching on. */
  pollSucceeded: 'CdcPollSucceeded',
  /** Webhook-asked polls that found their changes read by a poll begun after their delivery (decision 66). */
  earlyPollsShared: 'EarlyPollsShared',
  syncLag: 'SyncLagMilliseconds',
  refreshTokenDaysLeft: 'RefreshTokenDaysLeft',
} as const;
export type MetricName = (typeof METRICS)[keyof typeof METRICS];
