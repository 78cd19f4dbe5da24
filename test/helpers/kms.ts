import { KMSClient } from '@aws-sdk/client-kms';
import { KmsTokenCipher } from '../../functions/store/kms-token-cipher';
import { type LocalKms, startLocalKms } from '../../local/kms';

/** The real KMS token cipher against a local KMS started for the calling test file. */
export async function localKmsCipher(): Promise<KmsTokenCipher & { localKms: LocalKms; close(): Promise<void> }> {
  const kms = await startLocalKms();
  const cipher = new KmsTokenCipher(new KMSClient(kms.clientConfig), kms.keyArn);
  return Object.assign(cipher, { localKms: kms, close: () => kms.close() });
}
