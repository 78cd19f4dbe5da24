/** The systems whose tokens the connector keeps. */
export type TokenProvider = 'quickbooks' | 'pipedrive';

/**
 * What a ciphertext is bound to: it decrypts only for the same connection and provider, so a
 * token row copied to another connection (or swapped between providers) is refused.
 */
export interface TokenCipherContext {
  connection: string;
  provider: TokenProvider;
}

/** Encrypts tokens for storage; the port `sync/` and the stores depend on, KMS being one adapter. */
export interface TokenCipher {
  /** The ciphertext as base64. */
  encrypt(plaintext: string, context: TokenCipherContext): Promise<string>;
  decrypt(ciphertext: string, context: TokenCipherContext): Promise<string>;
}
