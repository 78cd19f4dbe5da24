import { html, json, type SandboxResponse } from '../shared/http';

const ERROR_INFO = 'Please check developers.pipedrive.com for more information about Pipedrive API.';

/** `{ success: true, data, additional_data? }` — the v1 and v2 success envelope. */
export function ok(data: unknown, additionalData?: unknown, headers: Record<string, string> = {}): SandboxResponse {
  const body =
    additionalData === undefined ? { success: true, data } : { success: true, data, additional_data: additionalData };
  return json(200, body, headers);
}

/** The documented error envelope ([RESP], `error-generic-response.json`). */
export function failure(status: number, error: string, extra: Record<string, unknown> = {}): SandboxResponse {
  return json(status, { success: false, error, error_info: ERROR_INFO, data: null, additional_data: null, ...extra });
}

/**
 * A v2 validation failure. The message carries `ERR_SCHEMA_VALIDATION_FAILED` as observed live;
 * the rest of the layout of a v2 400 is unverified, so it uses the documented error envelope.
 */
export function validationFailed(problems: readonly string[]): SandboxResponse {
  return failure(400, `ERR_SCHEMA_VALIDATION_FAILED: ${problems.join('; ')}`);
}

/** The v2 404 example body (`error-v2-404-response.json`). */
export function notFound(): SandboxResponse {
  return json(404, {
    success: false,
    error: 'Entity was not found',
    error_info: 'Object was not found.',
    data: null,
    additional_data: null,
  });
}

/** The v1 spec's 401 body (`error-401-unauthorized-response.json`). */
export function unauthorized(error = 'unauthorized access'): SandboxResponse {
  return json(401, { success: false, error, errorCode: 401 });
}

/** The plan-limit 403 of the Responses page (`error-403-limit-reached-response.json`). */
export function limitReached(error: string, code: string): SandboxResponse {
  return failure(403, error, { code });
}

/** A Cloudflare block page: what api_token traffic gets after ignoring 429s ([RL]). Not JSON on purpose. */
export function cloudflareBlockPage(rayId: string): SandboxResponse {
  const page = `<!DOCTYPE html>
<html lang="en-US">
<head><title>Attention Required! | Cloudflare</title><meta charset="UTF-8" /></head>
<body>
<div id="cf-wrapper">
  <div id="cf-error-details">
    <h1>Sorry, you have been blocked</h1>
    <h2>You are unable to access api.pipedrive.com</h2>
    <p>This website is using a security service to protect itself from online attacks.</p>
    <p>Cloudflare Ray ID: <strong>${rayId}</strong></p>
  </div>
</div>
</body>
</html>
`;
  return html(403, page, { server: 'cloudflare', 'cf-ray': rayId, 'cache-control': 'no-store' });
}
