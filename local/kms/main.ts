/**
 * `npx tsx local/kms/main.ts`: starts the local KMS (LOCAL_KMS_PORT, default 8730; 0 for any free
 * port) and prints, as the first stdout line, one JSON object: `{url, region, keyId, keyArn}`.
 */
import * as z from 'zod';
import { startLocalKms } from './index';

const Env = z.object({
  LOCAL_KMS_PORT: z.coerce.number().int().min(0).max(65535).default(8730),
  LOCAL_KMS_HOST: z.string().default('127.0.0.1'),
  LOCAL_KMS_REGION: z.string().default('us-east-1'),
  LOCAL_KMS_ALIAS: z.string().optional(),
});

async function main(): Promise<void> {
  const env = Env.parse(process.env);
  const kms = await startLocalKms({
    port: env.LOCAL_KMS_PORT,
    host: env.LOCAL_KMS_HOST,
    region: env.LOCAL_KMS_REGION,
    ...(env.LOCAL_KMS_ALIAS !== undefined ? { alias: env.LOCAL_KMS_ALIAS } : {}),
  });
  process.stdout.write(
    `${JSON.stringify({ url: kms.url, region: kms.region, keyId: kms.keyId, keyArn: kms.keyArn })}\n`,
  );
  console.error('Local KMS running. Ctrl-C to stop.');
  const stop = () => {
    void kms.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  console.error(
    code === 'EADDRINUSE' ? 'The local KMS port is in use: set LOCAL_KMS_PORT to a free port (or 0 for any).' : error,
  );
  process.exit(1);
});
