import http from 'node:http';
import { newUrlId, type ProxyHarness, startProxyHarness } from './proxy-harness';

/**
 * The proxy's own network rule (shared/DESIGN.md "Deployment and spawners"): a route whose
 * target is not loopback and not on a network this process is attached to is refused before
 * any connection is tried. The target here is 0.0.0.0, which the rule counts as not local
 * while the kernel would deliver it to this host: should the check ever break, the attempt
 * stays on this machine.
 */
let hub: ProxyHarness;
const ID = newUrlId();
const path = `/user/alice/containers/${ID}/`;
const asAlice = { cookie: 'hub-session=alice' };

beforeAll(async () => {
  hub = await startProxyHarness();
  hub.routes.set({
    urlId: ID,
    user: 'alice',
    target: 'http://0.0.0.0:9',
    containerId: 'c',
    mappingId: 'g',
  });
});
afterAll(() => hub?.close());

function request(headers: http.OutgoingHttpHeaders): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${hub.url}${path}`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('a route to an address on no attached network', () => {
  it('answers 502 naming the rule, for a request', async () => {
    const res = await request({ ...asAlice, accept: 'application/json' });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error).toMatchObject({
      code: 'target_not_local',
      message: expect.stringMatching(/not on a network the hub is attached to/),
    });
  });

  it('answers 502 for a WebSocket upgrade', async () => {
    const res = await request({
      ...asAlice,
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    });
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/target_not_local/);
  });
});
