/** Every metric the connector publishes (EMF, namespace from POWERTOOLS_METRICS_NAMESPACE), in one place for the dashboard and alarms. */
export const METRICS = {
  webhookEventsReceived: 'WebhookEventsReceived',
  webhookRejected: 'WebhookRejected',
  webhookUnknownRealm: 'WebhookUnknownRealm',
  webhookStale: 'WebhookStaleEvents',
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
  syncLag: 'SyncLagMilliseconds',
  refreshTokenDaysLeft: 'RefreshTokenDaysLeft',
} as const;
export type MetricName = (typeof METRICS)[keyof typeof METRICS];
