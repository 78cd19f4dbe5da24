export type EncryptionContext = Readonly<Record<string, string>>;

/**
 * The bytes an EncryptionContext is authenticated as. Pairs are sorted by key, so the order a
 * client wrote them in does not matter (as in KMS), and JSON keeps `{"a":"b=c"}` apart from
 * `{"a=b":"c"}`. An absent context and `{}` are the same, as in KMS.
 */
export function canonicalEncryptionContext(context: EncryptionContext | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}
