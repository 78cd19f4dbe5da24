/** What an OAuth page shows: a redirect, or a plain-text title and detail the handler renders. */
export interface OAuthOutcome {
  status: 200 | 302 | 400 | 403 | 409 | 410 | 502;
  location?: string;
  /** What the person sees (plain text; the handler renders it). */
  title: string;
  detail: string;
  realmId?: string;
}

export const page = (
  status: OAuthOutcome['status'],
  title: string,
  detail: string,
  realmId?: string,
): OAuthOutcome => ({
  status,
  title,
  detail,
  ...(realmId ? { realmId } : {}),
});
