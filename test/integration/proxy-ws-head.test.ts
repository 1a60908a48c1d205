import crypto from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';
import { startProxyHarness, type ProxyHarness } from './proxy-harness';

/**
 * Regression: bytes an app sends in the same packet as its 101 (websockify's RFB greeting) must
 * reach the browser. They used to be swallowed when the tunnel's byte observer set the
 * upstream socket flowing before the library unshifted the upgrade's head, and noVNC then
 * waited forever on an open, silent WebSocket.
 */
describe('WebSocket upgrade head through the proxy', () => {
  let upstream: net.Server;
  let h: ProxyHarness;
  const urlId = crypto.randomBytes(16).toString('hex');

  beforeAll(async () => {
    upstream = net.createServer((sock) => {
      sock.once('data', (d) => {
        const key = /Sec-WebSocket-Key: (\S+)/i.exec(d.toString())![1];
        const accept = crypto
          .createHash('sha1')
          .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        const payload = Buffer.from('RFB 003.008\n');
        // The 101 and the first frame in one write, as a fast app sends them.
        sock.write(
          Buffer.concat([
            Buffer.from(
              'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
                `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
            ),
            Buffer.from([0x82, payload.length]),
            payload,
          ]),
        );
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const port = (upstream.address() as net.AddressInfo).port;
    h = await startProxyHarness();
    h.routes.set({
      urlId,
      user: 'alice',
      target: `http://127.0.0.1:${port}`,
      containerId: 'none',
      status: 'running',
      mappingId: 'm',
      lastActivity: Date.now(),
    });
  });
  afterAll(async () => {
    await h.close();
    upstream.close();
  });

  it('delivers the first frame sent together with the 101, every time', async () => {
    const received: string[] = [];
    for (let i = 0; i < 20; i++) {
      const ws = new WebSocket(`${h.url.replace('http', 'ws')}/user/alice/containers/${urlId}/ws`, {
        headers: { cookie: 'hub-session=alice' },
      });
      received.push(
        await new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve('(nothing)'), 5000);
          ws.once('message', (m) => {
            clearTimeout(timer);
            resolve(m.toString());
          });
          ws.once('error', (err) => resolve(`error: ${err.message}`));
        }),
      );
      ws.terminate();
    }
    expect(received).toEqual(Array(20).fill('RFB 003.008\n'));
  });
});
