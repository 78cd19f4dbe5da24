import { request } from 'node:http';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { healthCommand } from '../../../cli/commands/health';
import type { Io } from '../../../cli/output';
import { awsTarget } from '../../../cli/targets';
import { healthReport } from '../../helpers/health-report';
import { encode, useMockedStack } from './mocked-stack';

const { lambda, clients } = useMockedStack({ OperationsFunctionName: 'MlConnector-Operations-abc' });

function io(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (text) => lines.push(text),
    err: (text) => errors.push(text),
    interactive: false,
    writeFile: () => Promise.resolve(),
    now: () => 0,
    sleep: () => Promise.resolve(),
  };
}

/** Serves the page of the mocked stack while `use` runs, then stops it. */
async function serving(use: (url: string, output: ReturnType<typeof io>) => Promise<void>): Promise<void> {
  const target = await awsTarget('MlConnector', 'eu-west-1', clients);
  const output = io();
  const stop = new AbortController();
  let url = '';
  const listening = new Promise<void>((resolve) => {
    void healthCommand(target, output, {
      signal: stop.signal,
      onListening: (at) => {
        url = at;
        resolve();
      },
    }).then((code) => {
      expect(code).toBe(0);
    });
  });
  await listening;
  try {
    await use(url, output);
  } finally {
    stop.abort();
  }
}

/** The payloads the operations function was invoked with. */
const invocations = () =>
  lambda.commandCalls(InvokeCommand).map((call) => ({
    functionName: call.args[0].input.FunctionName,
    payload: JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)) as unknown,
  }));

describe('ml-connector health for a deployed stack', () => {
  it('serves the page on 127.0.0.1 from one operations invoke per view, passing the filter and page on', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ ok: true, result: healthReport() }) });
    await serving(async (url, output) => {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/health$/);
      expect(output.lines).toEqual([`Sync health of stack MlConnector in eu-west-1: ${url}`]);
      const response = await fetch(`${url}?realm=9130&state=failed&page=2&q=Glo`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await response.text();
      expect(html).toContain('<title>ml-connector · sync health</title>');
      expect(html).toContain('<span class="name">Bad &#60;Name&#62;</span>');
      expect(html).toContain('href="https://acme.pipedrive.com/organization/7"');
      expect(invocations()).toEqual([
        {
          functionName: 'MlConnector-Operations-abc',
          payload: { command: 'health', realmId: '9130', state: 'failed', search: 'Glo', page: 2, pageSize: 50 },
        },
      ]);
    });
  });

  it('answers nothing but the page, and only under the address it printed', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ ok: true, result: healthReport() }) });
    await serving(async (url) => {
      expect((await fetch(new URL('/other', url))).status).toBe(404);
      // A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) is refused.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const { port } = new URL(url);
        request({ host: '127.0.0.1', port, path: '/health', headers: { host: `evil.example:${port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(421);
      expect(invocations()).toHaveLength(0);
    });
  });

  it("shows the operations function's error on the page, escaped, and keeps serving", async () => {
    lambda
      .on(InvokeCommand)
      .resolvesOnce({
        StatusCode: 200,
        Payload: encode({ ok: false, error: { kind: 'transient', message: 'table <busy>' } }),
      })
      .resolves({ StatusCode: 200, Payload: encode({ ok: true, result: healthReport() }) });
    await serving(async (url, output) => {
      const failed = await fetch(url);
      expect(failed.status).toBe(502);
      expect(await failed.text()).toContain('<p role="alert">table &#60;busy&#62;');
      expect(output.errors.join('\n')).toContain('table <busy>');
      expect((await fetch(url)).status).toBe(200);
    });
  });

  it('refuses an answer that is not a health report instead of drawing a broken page', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ ok: true, result: { at: 'soon' } }) });
    await serving(async (url) => {
      const response = await fetch(url);
      expect(response.status).toBe(502);
      expect(await response.text()).toContain('unexpected answer from stack MlConnector in eu-west-1');
    });
  });

  it('stops serving when stopped', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ ok: true, result: healthReport() }) });
    let served = '';
    await serving(async (url) => {
      served = url;
      expect((await fetch(url)).status).toBe(200);
    });
    await new Promise((resolve) => setImmediate(resolve));
    await expect(fetch(served)).rejects.toThrow();
  });
});
