/**
 * How the CLI finds the local stack: `npm start` writes this file, the CLI reads it. It lives with
 * the CLI so that the CLI imports nothing from local/ (the local stack imports it instead).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as z from 'zod';

/**
 * Where `npm start` tells the CLI how to reach it (ignored by git; readable only by this user).
 * One folder below the root both here (cli/) and in the CLI's bundle (dist/cli.cjs).
 */
export const DEFAULT_LOCAL_STATE_FILE = join(__dirname, '..', '.ml-connector', 'local.json');

export const LocalState = z.object({
  url: z.url(),
  adminKey: z.string().min(16),
  pid: z.number().int(),
});
export type LocalState = z.infer<typeof LocalState>;

export async function writeLocalState(file: string, state: LocalState): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(state), { mode: 0o600 });
}

/** Removes the file if it is still this process's (a newer stack may have replaced it). */
export async function removeLocalState(file: string, pid: number): Promise<void> {
  const current = await readLocalState(file);
  if (current?.pid === pid) await rm(file, { force: true });
}

export async function readLocalState(file: string): Promise<LocalState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = LocalState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
