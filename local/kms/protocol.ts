import { randomUUID } from 'node:crypto';
import { header, type SandboxRequest, type SandboxResponse } from '../shared/http';
import { KmsError } from './errors';
import type { KmsOperation } from './operations';

const TARGET_PREFIX = 'TrentService.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** `Encrypt` for `X-Amz-Target: TrentService.Encrypt`; undefined when the header is missing or foreign. */
export function operationName(request: SandboxRequest): string | undefined {
  const target = header(request, 'x-amz-target');
  return target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
}

/**
 * Answers one KMS JSON 1.1 request. Credentials and signatures are not checked: any SigV4
 * signer (or none) is accepted, as the local stack has no IAM.
 */
export function answerKmsRequest(
  operations: ReadonlyMap<string, KmsOperation>,
  request: SandboxRequest,
): SandboxResponse {
  try {
    const name = operationName(request);
    const operation = name === undefined ? undefined : operations.get(name);
    if (!operation) {
      throw new KmsError('UnknownOperationException', `Unknown operation ${header(request, 'x-amz-target') ?? ''}`);
    }
    return kmsResponse(200, operation(requestBody(request)));
  } catch (error) {
    if (error instanceof KmsError) return kmsErrorResponse(error);
    const message = error instanceof Error ? error.message : String(error);
    return kmsErrorResponse(new KmsError('KMSInternalException', message, 500));
  }
}

export function kmsErrorResponse(error: KmsError): SandboxResponse {
  return kmsResponse(error.status, { __type: error.type, message: error.message });
}

function kmsResponse(status: number, body: object): SandboxResponse {
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(body),
  };
}

/** The JSON object in the body; an empty body is `{}`. Anything else is a SerializationException. */
function requestBody(request: SandboxRequest): object {
  if (request.rawBody.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw new KmsError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new KmsError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed;
}
