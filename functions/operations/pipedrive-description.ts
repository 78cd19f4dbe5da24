/** A connection's Pipedrive side as `ml-connector status` and the sync-health page describe it. */
export interface PipedriveSide {
  apiDomain: string;
  plan: string;
  seats: number;
  auth: string;
  /** Its organization webhook is registered (decision 63); absent from stacks deployed before it. */
  webhook?: boolean;
}

export function describePipedrive(pipedrive: PipedriveSide | undefined): string {
  if (!pipedrive) return 'not connected: run `ml-connector connect pipedrive`';
  const { apiDomain, plan, seats, auth, webhook } = pipedrive;
  const changes =
    webhook === undefined
      ? ''
      : webhook
        ? '; organization webhook registered'
        : "; no organization webhook: reps' changes in Pipedrive wait for the daily reconcile";
  return `${apiDomain} (${plan}, ${String(seats)} seat(s), ${auth})${changes}`;
}
