import { createHash } from 'node:crypto';
import type { ChangeEvent } from './company';

/** An announced change, with the CloudEvents id it keeps across retries and duplicate deliveries. */
export interface PendingEvent {
  change: ChangeEvent;
  eventId: string;
}

const PAST_TENSE: Record<ChangeEvent['operation'], string> = {
  Create: 'created',
  Update: 'updated',
  Delete: 'deleted',
  Merge: 'merged',
  Void: 'voided',
};

/** The legacy object format: one notification for one realm (Intuit "only uses one at this time"). */
export function legacyBody(events: PendingEvent[]): string {
  const byRealm = new Map<string, PendingEvent[]>();
  for (const event of events) byRealm.set(event.change.realmId, [...(byRealm.get(event.change.realmId) ?? []), event]);
  return JSON.stringify({
    eventNotifications: [...byRealm].map(([realmId, realmEvents]) => ({
      realmId,
      dataChangeEvent: {
        entities: realmEvents.map(({ change }) => ({
          name: change.entity,
          id: change.id,
          operation: change.operation,
          lastUpdated: new Date(change.at).toISOString(),
          ...(change.deletedId !== undefined ? { deletedId: change.deletedId } : {}),
        })),
      },
    })),
  });
}

/** The CloudEvents format: a JSON array, one event each, `type` = `qbo.<entity>.<past tense>.v1`. */
export function cloudEventsBody(events: PendingEvent[], appSource: string): string {
  return JSON.stringify(
    events.map(({ change, eventId }) => ({
      specversion: '1.0',
      id: eventId,
      source: appSource,
      type: `qbo.${change.entity.toLowerCase()}.${PAST_TENSE[change.operation]}.v1`,
      datacontenttype: 'application/json',
      // Intuit sends up to nine fractional digits.
      time: new Date(change.at).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z'),
      intuitentityid: change.id,
      intuitaccountid: change.realmId,
      data: change.deletedId !== undefined ? { deletedid: change.deletedId } : {},
    })),
  );
}

export function appSourceFor(clientId: string): string {
  return `intuit.${createHash('sha256').update(clientId).digest('base64')}`;
}
