export interface OrganizationWebhookInput {
  subscriptionUrl: string;
  name: string;
  httpAuthUser: string;
  httpAuthPassword: string;
}

/**
 * `POST /v1/webhooks` for every organization action (a merge is a delete and a change), v2 payloads,
 * HTTP Basic auth (decision 63; FACTS §6). `version` is sent although 2.0 is the default since 2025.
 */
export function organizationWebhookBody(input: OrganizationWebhookInput) {
  return {
    subscription_url: input.subscriptionUrl,
    event_action: '*',
    event_object: 'organization',
    name: input.name,
    http_auth_user: input.httpAuthUser,
    http_auth_password: input.httpAuthPassword,
    version: '2.0',
  } as const;
}
