import net from 'node:net';
import { type EchoContainer, runEcho } from '../helpers/echo-image';
import { ADMIN, bootHub, type TestHub } from '../helpers/hub';
import { newUrlId } from '../integration/proxy-harness';
import { rawExchange } from './auth-attacker';

/**
 * Class 8: slow bodies. The server runs with requestTimeout = 0 for long WebSockets and
 * uploads to apps, so a client that sends headers and then trickles (or stops) its body used
 * to hold a connection and a parser on the hub's own routes for ever. Stalled bodies to the
 * hub's routes must be answered 408 and closed; an upload to an app that pauses longer than
 * that must still arrive whole.
 */
describe('adversarial: stalled bodies (class 8)', () => {
  let th: TestHub;
  let echo: EchoContainer;
  let token: string;
  const ID = newUrlId();
  const SECONDS = 1;

  beforeAll(async () => {
    echo = await runEcho();
    th = await bootHub({ body_timeout_seconds: SECONDS });
    const admin = await th.loginAs(ADMIN.name, ADMIN.password);
    token = (await admin.json<{ token: string }>('/api/v1/tokens', { method: 'POST', json: {} }))
      .body.token;
    th.hub.routes.set({
      urlId: ID,
      user: ADMIN.name,
      target: echo.target,
      containerId: echo.id,
      mappingId: 'm-slow',
    });
  });
  afterAll(async () => {
    await th?.close();
    await echo?.stop();
  });

  const head = (method: string, path: string, headers: Record<string, string>) =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`;

  it.each([
    [
      'POST /login, JSON, 10 of 100 bytes',
      'POST',
      '/login',
      { 'content-type': 'application/json', 'content-length': '100' },
      '{"username"',
    ],
    [
      'POST /login, form, nothing of 100 bytes',
      'POST',
      '/login',
      { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '100' },
      '',
    ],
    [
      'POST /login, chunked, one chunk then silence',
      'POST',
      '/login',
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      '5\r\n{"use\r\n',
    ],
    [
      'PATCH an admin route, stalled',
      'PATCH',
      '/api/v1/admin/users/admin',
      { 'content-type': 'application/json', 'content-length': '100' },
      '{',
    ],
  ])(
    '%s: 408 with a reason, then the connection closes',
    async (_, method, path, headers, sent) => {
      const answer = await rawExchange(th.port, [head(method, path, headers), sent]);
      expect(answer.closedByServer).toBe(true);
      expect(answer.status).toBe(408);
      expect(answer.text).toMatch(/"code":"body_timeout"/);
      expect(answer.text).toMatch(/did not arrive within 1 s/);
      expect(answer.text.toLowerCase()).toContain('connection: close');
    },
  );

  it.each([
    ['an unknown route', '/nothing/here', 404],
    ['an admin route, anonymous, unread body', '/api/v1/admin/users', 401],
  ])(
    'a stalled body to %s is refused at once and its connection closed, not kept waiting',
    async (_, path, status) => {
      const answer = await rawExchange(th.port, [
        head('POST', path, { 'content-type': 'application/octet-stream', 'content-length': '100' }),
        'x',
      ]);
      expect([answer.status, answer.closedByServer]).toEqual([status, true]);
      expect(answer.text.toLowerCase()).toContain('connection: close');
    },
  );

  it('a body completed right after its 408 changes nothing', async () => {
    await th.hub.users.create('bystander', { password: 'bystander-password' });
    const json = JSON.stringify({ admin: true });
    const changed = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(th.port, '127.0.0.1', () => {
        socket.write(
          head('PATCH', '/api/v1/admin/users/bystander', {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': String(json.length),
          }),
        );
        socket.write(json.slice(0, 1));
      });
      let text = '';
      socket.on('data', (d) => {
        // The rest of the body arrives the moment the refusal does.
        if (!text) socket.write(json.slice(1));
        text += d.toString();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(changed).toMatch(/^HTTP\/1\.1 408/);
    await new Promise((r) => setTimeout(r, 500));
    expect((await th.hub.users.get('bystander')).admin).toBe(false);
  });

  it('many stalled bodies at once are all answered and closed', async () => {
    const answers = await Promise.all(
      Array.from({ length: 25 }, () =>
        rawExchange(th.port, [
          head('POST', '/login', { 'content-type': 'application/json', 'content-length': '100' }),
          '{',
        ]),
      ),
    );
    expect(answers.map((a) => [a.status, a.closedByServer])).toEqual(
      Array.from({ length: 25 }, () => [408, true]),
    );
    expect((await th.client().json('/health')).status).toBe(200);
  });

  it('an upload to an app that pauses longer than the body timeout arrives whole', async () => {
    const body = 'y'.repeat(64 * 1024);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(th.port, '127.0.0.1', () => {
        socket.write(
          head('POST', `/user/${ADMIN.name}/containers/${ID}/sink`, {
            authorization: `Bearer ${token}`,
            'content-type': 'application/octet-stream',
            'content-length': String(body.length),
            connection: 'close',
          }),
        );
        socket.write(body.slice(0, 1000));
        // Three body timeouts of silence in the middle of the upload.
        setTimeout(() => socket.write(body.slice(1000)), SECONDS * 3000);
      });
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer.trim().endsWith(String(body.length))).toBe(true);
  });

  it('a whole body sent in pieces is served normally', async () => {
    const json = JSON.stringify({ username: 'nobody', password: 'wrong-password' });
    const answer = await rawExchange(th.port, [
      head('POST', '/login', {
        'content-type': 'application/json',
        'content-length': String(json.length),
        connection: 'close',
      }),
      json.slice(0, 5),
      json.slice(5),
    ]);
    expect(answer.status).toBe(401);
  });
});
