import { chmod, writeFile } from 'node:fs/promises';

/**
 * Writes a report readable by this user only (0600): it lists customers' names. `mode` applies only
 * when the file is created, so an existing file is narrowed too.
 */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
}
