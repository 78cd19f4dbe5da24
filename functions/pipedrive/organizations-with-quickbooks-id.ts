import type { PipedriveClient } from './client';

/**
 * Every organization of the company, a page (≤500) at a time, with the QuickBooks ID custom field
 * read off it when that field exists: what the backfill matches customers against.
 */
export async function* organizationsWithQuickbooksId(
  pipedrive: Pick<PipedriveClient, 'organizationPages'>,
  quickbooksIdKey: string | undefined,
): AsyncGenerator<{ id: number; name: string; quickbooksId: string | undefined }[]> {
  const options = quickbooksIdKey ? { customFieldKeys: [quickbooksIdKey] } : {};
  for await (const page of pipedrive.organizationPages(options)) {
    yield page.map((org) => {
      const value: unknown = quickbooksIdKey ? org.custom_fields?.[quickbooksIdKey] : undefined;
      return { id: org.id, name: org.name, quickbooksId: typeof value === 'string' ? value : undefined };
    });
  }
}
