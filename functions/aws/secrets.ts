import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from '../shared/zod-mini';

/**
 * A secret the function reads at init and caches: from Secrets Manager when `<NAME>_SECRET_ARN` is
 * set (deployed), else from `<NAME>` itself (the local stack and tests). Never logged.
 */
export async function readSecret(
  env: Record<string, string | undefined>,
  name: string,
  maxAgeSeconds = 300,
): Promise<string> {
  const arn = env[`${name}_SECRET_ARN`];
  if (arn) {
    const value = await getSecret(arn, { maxAge: maxAgeSeconds });
    const parsed = z.string().check(z.minLength(1)).safeParse(value);
    if (!parsed.success) throw new Error(`secret ${name} is empty or not a string`);
    return parsed.data;
  }
  const local = env[name];
  if (local === undefined || local === '') throw new Error(`${name} is not configured (set ${name}_SECRET_ARN)`);
  return local;
}

/** A comma-separated list secret (e.g. webhook verifier tokens during a rotation). */
export async function readSecretList(env: Record<string, string | undefined>, name: string): Promise<string[]> {
  return (await readSecret(env, name))
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/**
 * How long a container keeps the link-signing key: a rotated OAUTH_START_TOKEN takes effect within
 * this (decision 39).
 */
export const LINK_KEY_MAX_AGE_SECONDS = 60;

/** The key connection links are signed with; undefined when none is configured (no link then opens). */
export async function linkSigningKey(env: Record<string, string | undefined>): Promise<string | undefined> {
  if (!env.OAUTH_START_TOKEN_SECRET_ARN && !env.OAUTH_START_TOKEN) return undefined;
  return readSecret(env, 'OAUTH_START_TOKEN', LINK_KEY_MAX_AGE_SECONDS);
}
