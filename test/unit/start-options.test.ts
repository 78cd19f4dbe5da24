import { createServer, type Server } from 'node:net';
import {
  DEFAULT_PORT,
  isAddressInUse,
  parseStartOptions,
  portInUseMessage,
  portIsFree,
} from '../../local/start-options';

describe('npm start options', () => {
  it('serves on 8700 unless --port or PORT says otherwise, the flag winning', () => {
    expect(DEFAULT_PORT).toBe(8700);
    expect(parseStartOptions([], {})).toEqual({ once: false, port: 8700 });
    expect(parseStartOptions(['--once'], { PORT: '' })).toEqual({ once: true, port: 8700 });
    expect(parseStartOptions([], { PORT: '9000' })).toEqual({ once: false, port: 9000 });
    expect(parseStartOptions(['--port', '9100', '--once'], { PORT: '9000' })).toEqual({ once: true, port: 9100 });
    expect(parseStartOptions(['--port=0'], {})).toEqual({ once: false, port: 0 });
  });

  it('refuses what is not a port, in one line saying how to give one', () => {
    expect(() => parseStartOptions(['--port', 'abc'], {})).toThrow(
      '"abc" is not a port: give a number from 0 to 65535, e.g. `npm start -- --port 8701`.',
    );
    expect(() => parseStartOptions(['--port'], {})).toThrow('"" is not a port');
    expect(() => parseStartOptions([], { PORT: '70000' })).toThrow('"70000" is not a port');
    expect(() => parseStartOptions([], { PORT: '80.5' })).toThrow('is not a port');
  });

  it('takes the sandbox ports from QBO_SANDBOX_PORT and PIPEDRIVE_SANDBOX_PORT, as `npm run sandbox` does', () => {
    expect(parseStartOptions([], { QBO_SANDBOX_PORT: '8710', PIPEDRIVE_SANDBOX_PORT: '8720' })).toEqual({
      once: false,
      port: 8700,
      qboSandboxPort: 8710,
      pipedriveSandboxPort: 8720,
    });
    expect(parseStartOptions([], { QBO_SANDBOX_PORT: '' })).not.toHaveProperty('qboSandboxPort');
    expect(() => parseStartOptions([], { PIPEDRIVE_SANDBOX_PORT: 'x' })).toThrow(
      'PIPEDRIVE_SANDBOX_PORT="x" is not a port: give a number from 0 to 65535 (0: any).',
    );
  });

  it('tells which port is taken and how to choose another', () => {
    expect(portInUseMessage(8700)).toBe(
      'Port 8700 is already in use (another `npm start`?): stop that, or choose another port with `npm start -- --port 8701` or `PORT=8701 npm start`.',
    );
    expect(portInUseMessage(65_535)).toContain('--port 65534');
  });

  it('finds a port someone holds, and recognises the error listening on it gives', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    const port = typeof address === 'object' && address ? address.port : -1;
    try {
      expect(await portIsFree(port)).toBe(false);
      expect(await portIsFree(0)).toBe(true);
      const second = createServer();
      const error = await new Promise((resolve) => {
        second.once('error', resolve);
        second.listen(port, '127.0.0.1');
      });
      expect(isAddressInUse(error)).toBe(true);
      expect(isAddressInUse(new Error('other'))).toBe(false);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
    expect(await portIsFree(port)).toBe(true);
  });
});
