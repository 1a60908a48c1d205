import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppNotReady, waitForHttp } from '../../../server/spawner/readiness';

function serve(
  handler: http.RequestListener,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    }),
  );
}

describe('waitForHttp', () => {
  it('waits through 5xx answers until the app answers below 500', async () => {
    let calls = 0;
    const s = await serve((_req, res) => {
      calls++;
      res.statusCode = calls < 3 ? 502 : 404;
      res.end();
    });
    try {
      await waitForHttp(`${s.url}/user/a/containers/x/`, { timeoutMs: 10_000 });
      expect(calls).toBe(3);
    } finally {
      await s.close();
    }
  });

  it('gives up with a message naming the setting to raise', async () => {
    const s = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    try {
      const err = await waitForHttp(s.url, { timeoutMs: 300 }).catch((e) => e);
      expect(err).toBeInstanceOf(AppNotReady);
      expect(err.message).toMatch(/spawner\.http_timeout_seconds/);
      expect(err.message).toMatch(/HTTP 503/);
    } finally {
      await s.close();
    }
  });

  it('stops when the check reports the container died', async () => {
    const died = new Error('container died');
    const err = await waitForHttp('http://127.0.0.1:1/', {
      timeoutMs: 10_000,
      check: async () => died,
      checkEveryMs: 0,
    }).catch((e) => e);
    expect(err).toBe(died);
  });

  it('stops when aborted', async () => {
    const ctrl = new AbortController();
    const p = waitForHttp('http://127.0.0.1:1/', { timeoutMs: 10_000, signal: ctrl.signal });
    ctrl.abort(new Error('stop requested'));
    await expect(p).rejects.toThrow('stop requested');
  });
});
