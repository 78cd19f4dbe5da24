/**
 * Runs before every test file: whatever the code under test writes to stdout, stderr or the console
 * is scanned for tokens and secrets, and the file fails if any appeared ("never log a token,
 * secret or whole customer record": decision 7 and the README's Security section).
 */
const SECRET_PATTERNS: [string, RegExp][] = [
  ['QBO access token', /eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0\.\.[A-Za-z0-9_-]{20,}/],
  ['QBO refresh token', /RT1-\d+-H0-\d{6,}[a-z0-9_-]{10,}/i],
  ['QBO authorization code', /\bAB1[A-Za-z0-9_-]{36,}/],
  ['Pipedrive access token', /\bv1u:[A-Za-z0-9+/=]{40,}/],
  ['Pipedrive refresh token', /\b\d+:1:[0-9a-f]{40}\b/],
  ['sandbox client secret', /sandbox-quickbooks-client-secret|pd-sandbox-secret/],
  ['webhook verifier token', /sandbox-verifier-token-0+/],
];

const leaks: string[] = [];

function scan(chunk: unknown): void {
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
  for (const [name, pattern] of SECRET_PATTERNS) {
    const match = pattern.exec(text);
    if (match) leaks.push(`${name} in output: …${text.slice(Math.max(0, match.index - 40), match.index)}[redacted]`);
  }
}

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk: unknown, ...rest: unknown[]) => {
    scan(chunk);
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  };
}
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    for (const arg of args) scan(typeof arg === 'string' ? arg : JSON.stringify(arg));
    original(...args);
  };
}

afterAll(() => {
  expect(leaks).toEqual([]);
});
