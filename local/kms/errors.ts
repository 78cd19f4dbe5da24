/**
 * A KMS error as the service reports it over JSON 1.1: `{"__type": <name>, "message": <text>}`.
 * The SDK turns `__type` into the exception class (`InvalidCiphertextException`, …).
 */
export class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export function invalidCiphertext(): KmsError {
  // Real KMS says nothing more (it must not reveal whether the key, the context or the bytes were wrong).
  return new KmsError(
    'InvalidCiphertextException',
    'The ciphertext is invalid or was not encrypted under this context.',
  );
}

export function incorrectKey(): KmsError {
  return new KmsError(
    'IncorrectKeyException',
    'The key ID in the request does not identify a CMK that can perform this operation.',
  );
}

export function keyNotFound(arn: string): KmsError {
  return new KmsError('NotFoundException', `Key '${arn}' does not exist`);
}

export function aliasNotFound(aliasArn: string): KmsError {
  return new KmsError('NotFoundException', `Alias '${aliasArn}' is not found.`);
}

export function invalidKeyId(keyId: string): KmsError {
  return new KmsError('NotFoundException', `Invalid keyId '${keyId}'`);
}

export function keyDisabled(arn: string): KmsError {
  return new KmsError('DisabledException', `${arn} is disabled.`);
}

export function validationError(problems: readonly string[]): KmsError {
  const count = problems.length;
  return new KmsError(
    'ValidationException',
    `${count} validation error${count === 1 ? '' : 's'} detected: ${problems.join('; ')}`,
  );
}
