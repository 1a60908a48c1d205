import net from 'node:net';
import WebSocket from 'ws';
import { type EchoContainer, runEcho } from '../helpers/echo-image';
import {
  type Client,
  type TestHub,
  bootHub,
  loopbackDispatcher,
  loopbackLookup,
} from '../helpers/hub';
import { type EchoedRequest, headerOf } from '../integration/proxy-client';
import { newUrlId } from '../integration/proxy-harness';

/**
 * Attack classes the other adversarial suites do not cover, tried on raw sockets against one
 * real hub and a real echo container: request smuggling and desync through the proxy, Host and
 * request-target games on app origins, path spellings from an app origin, WebSocket upgrades
 * where none belongs, cookie tossing between sibling app origins, hub credentials in unusual
 * spellings, and header bombs. What reaches the app must be exactly what the owner sent, framed
 * once; nothing answers 5xx; the hub keeps serving.
 */
let echo: EchoContainer;
let th: TestHub;
let alice: Client;
let port: string;
const A = newUrlId();
const B = newUrlId();
const BOB = newUrlId();
const prefix = (user: string, id: string) => `/user/${user}/containers/${id}/`;
const appHost = (id: string) => `${id}.apps.localhost:${port}`;
const appOrigin = (id: string) => `http://${appHost(id)}`;
/** Alice's app cookie on A's origin, as her browser sends it. */
let cookieA: string;

/** Writes `bytes` on a fresh connection to the hub and returns everything read until it closes. */
function exchange(bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) }, () =>
      socket.write(bytes),
    );
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      // The hub may close on a bad request while we still write: what it answered is the answer.
      err.code === 'ECONNRESET' || err.code === 'EPIPE'
        ? resolve(Buffer.concat(chunks).toString('latin1'))
        : reject(err),
    );
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** The status codes of every response in a raw answer stream, in order. */
const statuses = (answer: string): number[] =>
  [...answer.matchAll(/^HTTP\/1\.[01] (\d{3}) /gm)].map((m) => Number(m[1]));

/** One request line + headers for A's origin as alice's browser would send them. */
const head = (method: string, path: string, extra: string[] = []): string =>
  [
    `${method} ${path} HTTP/1.1`,
    `Host: ${appHost(A)}`,
    `Cookie: ${cookieA}`,
    ...extra,
    '',
    '',
  ].join('\r\n');

/** A well-formed request of alice on a fresh connection: the hub and the app still agree. */
async function stillServesAlice(): Promise<void> {
  const path = `${prefix('alice', A)}after-${Math.random().toString(36).slice(2)}/headers`;
  const answer = await exchange(head('GET', path, ['Connection: close']));
  expect(statuses(answer)).toEqual([200]);
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  expect((JSON.parse(body) as EchoedRequest).path).toBe(path);
}

function wsStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), {
      headers,
      lookup: loopbackLookup,
    } as WebSocket.ClientOptions);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}

beforeAll(async () => {
  echo = await runEcho();
  th = await bootHub();
  port = new URL(th.url).port;
  alice = await th.userClient('alice');
  await th.userClient('bob');
  for (const [id, user] of [
    [A, 'alice'],
    [B, 'alice'],
    [BOB, 'bob'],
  ])
    th.hub.routes.set({
      urlId: id,
      user,
      target: echo.target,
      containerId: echo.id,
      mappingId: 'm',
    });
  expect((await alice.fetch(`${appOrigin(A)}${prefix('alice', A)}headers`)).status).toBe(200);
  cookieA = alice.appCookieHeader(appOrigin(A));
  expect(cookieA).toMatch(/^hub-app=/);
});

afterAll(async () => {
  await th?.close();
  await echo?.stop();
});

describe('request smuggling through the proxy: one request in, one framed request out', () => {
  const sink = `${prefix('alice', A)}sink`;
  const inner = `GET ${prefix('bob', BOB)}headers HTTP/1.1\r\nHost: ${appHost(BOB)}\r\n\r\n`;

  it.each([
    [
      'Content-Length and Transfer-Encoding together',
      ['Content-Length: 5', 'Transfer-Encoding: chunked'],
      `0\r\n\r\n${inner}`,
    ],
    ['two different Content-Lengths', ['Content-Length: 5', 'Content-Length: 40'], `hello${inner}`],
    ['a list in Content-Length', ['Content-Length: 5, 40'], `hello${inner}`],
    [
      'chunked not last in Transfer-Encoding',
      ['Transfer-Encoding: chunked, identity'],
      `0\r\n\r\n${inner}`,
    ],
    [
      'Transfer-Encoding split over two headers',
      ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'],
      `0\r\n\r\n${inner}`,
    ],
    ['an obs-folded Transfer-Encoding', ['Transfer-Encoding:', ' chunked'], `0\r\n\r\n${inner}`],
    ['a space before the colon', ['Content-Length : 40'], `hello${inner}`],
    [
      'Transfer-Encoding with a vertical tab',
      ['Transfer-Encoding:\x0bchunked'],
      `0\r\n\r\n${inner}`,
    ],
    [
      'a chunk size that overflows',
      ['Transfer-Encoding: chunked'],
      `1000000000000000005\r\nhello\r\n0\r\n\r\n${inner}`,
    ],
    [
      'a chunk size with a sign',
      ['Transfer-Encoding: chunked'],
      `+5\r\nhello\r\n0\r\n\r\n${inner}`,
    ],
    ['a Content-Length with a sign', ['Content-Length: +5'], `hello${inner}`],
    ['a Content-Length in hex', ['Content-Length: 0x5'], `hello${inner}`],
    ['an unknown transfer coding', ['Transfer-Encoding: xchunked'], `0\r\n\r\n${inner}`],
    ['a bare CR in a header value', ['X-A: a\rTransfer-Encoding: chunked'], `0\r\n\r\n${inner}`],
    ['a NUL in a header value', ['X-A: a\u0000b', 'Content-Length: 5'], `hello${inner}`],
    ['a chunk without its CRLF', ['Transfer-Encoding: chunked'], `5\r\nhelloXX0\r\n\r\n${inner}`],
  ])('refuses %s with 400 and nothing of it reaches any app', async (_name, headers, body) => {
    const answer = await exchange(
      head('POST', sink, [`Origin: ${appOrigin(A)}`, ...headers]) + body,
    );
    expect(statuses(answer)).toEqual([400]);
    expect(answer).not.toMatch(/"headers"/);
    await stillServesAlice();
  });

  it('refuses bare LF line ends in the head with 400', async () => {
    const answer = await exchange(
      `GET ${prefix('alice', A)}headers HTTP/1.1\nHost: ${appHost(A)}\nCookie: ${cookieA}\n\n${inner}`,
    );
    expect(statuses(answer).every((s) => s === 400)).toBe(true);
    expect(answer).not.toMatch(/"headers"/);
    await stillServesAlice();
  });

  it('forwards a body that looks like a request as a body, and a pipelined request as itself', async () => {
    const next = `${prefix('alice', A)}second/headers`;
    const answer = await exchange(
      head('POST', sink, [`Origin: ${appOrigin(A)}`, `Content-Length: ${inner.length}`]) +
        inner +
        head('GET', next, ['Connection: close']),
    );
    expect(statuses(answer)).toEqual([200, 200]);
    // The sink counts the body it got: all of it, as one body.
    expect(answer).toContain(`\r\n\r\n${inner.length}\n`);
    const echoed = JSON.parse(answer.slice(answer.lastIndexOf('\r\n\r\n') + 4)) as EchoedRequest;
    expect(echoed.path).toBe(next);
    expect(echoed.method).toBe('GET');
  });

  it('forwards the body of a GET as a body, never as a request of its own', async () => {
    const answer = await exchange(
      head('GET', sink, [`Content-Length: ${inner.length}`]) +
        inner +
        head('GET', `${prefix('alice', A)}third/headers`, ['Connection: close']),
    );
    expect(statuses(answer)).toEqual([200, 200]);
    expect(answer).not.toContain(prefix('bob', BOB));
  });

  it('forwards a chunked body with extensions and trailers once, as its bytes', async () => {
    const answer = await exchange(
      head('POST', sink, [
        `Origin: ${appOrigin(A)}`,
        'Transfer-Encoding: chunked',
        'Connection: close',
      ]) +
        `5;ext="x"\r\nhello\r\n${inner.length.toString(16)}\r\n${inner}\r\n0\r\nX-Trailer: 1\r\n\r\n`,
    );
    expect(statuses(answer)).toEqual([200]);
    expect(answer).toContain(`\r\n\r\n${5 + inner.length}\n`);
    await stillServesAlice();
  });
});

describe('Host and request-target games on app origins', () => {
  it("does not let an absolute-form target name another user's app", async () => {
    const answer = await exchange(
      head('GET', `http://${appHost(BOB)}${prefix('bob', BOB)}headers`, ['Connection: close']),
    );
    expect(statuses(answer)).toHaveLength(1);
    expect(statuses(answer)[0]).toBeGreaterThanOrEqual(400);
    expect(statuses(answer)[0]).toBeLessThan(500);
    expect(answer).not.toMatch(/"headers"/);
  });

  it('does not serve the hub API on an app origin through an absolute-form target', async () => {
    const answer = await exchange(
      [
        `GET http://localhost:${port}/api/v1/me HTTP/1.1`,
        `Host: ${appHost(A)}`,
        `Cookie: ${alice.cookieHeader()}`,
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    );
    expect(statuses(answer)).toHaveLength(1);
    expect(statuses(answer)[0]).toBeGreaterThanOrEqual(400);
    expect(statuses(answer)[0]).toBeLessThan(500);
    expect(answer).not.toMatch(/alice/);
  });

  it('serves no app content on the hub origin through an absolute-form target naming an app origin', async () => {
    for (const [target, cookie] of [
      [`http://${appHost(A)}${prefix('alice', A)}headers`, cookieA],
      [`http://localhost:${port}${prefix('bob', BOB)}headers`, alice.cookieHeader()],
      ['*', `${cookieA}; ${alice.cookieHeader()}`],
    ]) {
      const answer = await exchange(
        [
          `OPTIONS ${target} HTTP/1.1`,
          `Host: localhost:${port}`,
          `Cookie: ${cookie}`,
          'Connection: close',
          '',
          '',
        ].join('\r\n'),
      );
      const [status] = statuses(answer);
      expect([target, status < 500]).toEqual([target, true]);
      expect(answer).not.toMatch(/"headers"/);
    }
  });

  it('takes no hint from X-Forwarded-Host or -Proto without trust_proxy', async () => {
    const res = await alice.fetch(`${prefix('alice', A)}page`, {
      headers: {
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        forwarded: 'host=evil.example;proto=https',
      },
    });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).origin).toBe(appOrigin(A));
    // On the app origin, a forwarded host naming bob's app does not make the request his.
    const onApp = await exchange(
      head('GET', `${prefix('bob', BOB)}headers`, [
        `X-Forwarded-Host: ${appHost(BOB)}`,
        'Connection: close',
      ]),
    );
    expect(statuses(onApp)).toEqual([404]);
  });

  it('answers an app origin named in upper case or with a trailing dot as that same app only', async () => {
    for (const host of [appHost(A).toUpperCase(), `${A}.apps.localhost.:${port}`]) {
      const mine = await exchange(
        [
          `GET ${prefix('alice', A)}headers HTTP/1.1`,
          `Host: ${host}`,
          `Cookie: ${cookieA}`,
          'Connection: close',
          '',
          '',
        ].join('\r\n'),
      );
      expect(statuses(mine)).toEqual([200]);
      const other = await exchange(
        [
          `GET ${prefix('bob', BOB)}headers HTTP/1.1`,
          `Host: ${host}`,
          `Cookie: ${cookieA}`,
          'Connection: close',
          '',
          '',
        ].join('\r\n'),
      );
      expect(statuses(other)).toEqual([404]);
    }
  });
  // Node keeps the first Host; a proxy or cache in front may go by the last.
  it('refuses a request or an upgrade with two Host headers, or none, with 400', async () => {
    const request = (hosts: string[], extra: string[] = []) =>
      exchange(
        [
          `GET ${prefix('alice', A)}headers HTTP/1.1`,
          ...hosts,
          `Cookie: ${cookieA}`,
          ...(extra.length ? extra : ['Connection: close']),
          '',
          '',
        ].join('\r\n'),
      );
    const two = [`Host: ${appHost(A)}`, `host: ${appHost(BOB)}`];
    const twice = await request(two);
    expect(statuses(twice)).toEqual([400]);
    expect(twice).toContain('host_ambiguous');
    expect(statuses(await request(two.reverse()))).toEqual([400]);
    expect(statuses(await request([]))).toEqual([400]);
    const upgrade = await request(
      [`Host: ${appHost(A)}`, `Host: ${appHost(A)}`],
      [
        `Origin: ${appOrigin(A)}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ],
    );
    expect(statuses(upgrade)).toEqual([400]);
    expect(upgrade).toContain('host_ambiguous');
  });
});

describe('hop-by-hop header abuse', () => {
  const echoed = (answer: string): EchoedRequest =>
    JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as EchoedRequest;
  const HUB_SET = ['host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];

  // `Connection` lets a client name per-hop headers for the proxy to drop; naming the ones the
  // hub itself sets would hide from the app where the request came from (the app would see the
  // hub's address as the peer and its own address as the Host).
  it('cannot make the proxy drop the headers the hub sets for the app', async () => {
    const path = `${prefix('alice', A)}headers`;
    const plain = echoed(await exchange(head('GET', path, ['Connection: close'])));
    const named = echoed(
      await exchange(
        head('GET', path, [
          'Connection: close, Host, X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Proto, Cookie',
        ]),
      ),
    );
    for (const name of HUB_SET) {
      expect([name, headerOf(named, name)]).toEqual([name, headerOf(plain, name)]);
      expect(headerOf(plain, name)).toHaveLength(1);
    }
    expect(headerOf(named, 'x-forwarded-host')).toEqual([appHost(A)]);
  });

  it('still drops the per-hop headers a client names', async () => {
    const answer = await exchange(
      head('GET', `${prefix('alice', A)}headers`, [
        'Connection: close, X-Trace',
        'X-Trace: 1',
        'Keep-Alive: timeout=5',
        'Proxy-Connection: keep-alive',
      ]),
    );
    const got = echoed(answer);
    for (const name of ['x-trace', 'keep-alive', 'proxy-connection'])
      expect([name, headerOf(got, name)]).toEqual([name, []]);
  });
});

describe('path spellings from an app origin', () => {
  it.each([
    `${prefix('alice', A)}%2e%2e/%2e%2e/%2e%2e/bob/containers/${BOB}/headers`,
    `${prefix('alice', A)}..;/..;/..;/bob/containers/${BOB}/headers`,
    `${prefix('alice', A)}%252e%252e/%252e%252e/%252e%252e/alice/containers/${B}/headers`,
    `${prefix('alice', A)}..\\..\\..\\alice\\containers\\${B}\\headers`,
    `${prefix('alice', A)}%00/../../../alice/containers/${B}/headers`,
    `/user/alice/containers/${A};/../${B}/headers`,
    `/user/alice/containers/${A}%2f..%2f${B}/headers`,
    `/user/alice/containers/${B}/headers#${A}`,
  ])('never reaches another container, nor answers 5xx: %s', async (path) => {
    const answer = await exchange(head('GET', path, ['Connection: close']));
    const [status] = statuses(answer);
    expect(status).toBeLessThan(500);
    if (status === 200) {
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      expect((JSON.parse(body) as EchoedRequest).path.startsWith(prefix('alice', A))).toBe(true);
    }
  });
});

describe('where a ticket sends the browser', () => {
  it.each([
    `//user/alice//containers/${A}//evil.example/x`,
    `/user/alice/containers/${A}/x/..//evil.example`,
    `/user/alice/containers/${A}/%2f%2fevil.example`,
    `/user/alice/containers/${A}/\\evil.example`,
  ])('lands on a path of the app origin itself: %s', async (path) => {
    const first = await exchange(
      [
        `GET ${path} HTTP/1.1`,
        `Host: localhost:${port}`,
        `Cookie: ${alice.cookieHeader()}`,
        'Accept: text/html',
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    );
    expect(statuses(first)).toEqual([302]);
    const ticket = /^location: (.*)$/im.exec(first)![1].trim();
    expect(new URL(ticket).origin).toBe(appOrigin(A));
    const res = await fetch(ticket, {
      redirect: 'manual',
      dispatcher: loopbackDispatcher,
    } as never);
    expect(res.status).toBe(302);
    const next = res.headers.get('location')!;
    expect(next).toMatch(/^\/user\/alice\/containers\//);
    expect(new URL(next, appOrigin(A)).origin).toBe(appOrigin(A));
  });

  it.each([
    ['many segments', `${'x/'.repeat(5000)}headers`],
    ['many dot segments', `${'x/../'.repeat(2500)}headers`],
    ['many encoded dots', `${'%2e/'.repeat(3000)}headers`],
    ['many slashes', `${'/'.repeat(10_000)}headers`],
  ])('answers a path of %s below 500 and keeps serving', async (_name, rest) => {
    const answer = await exchange(
      head('GET', `${prefix('alice', A)}${rest}`, ['Connection: close']),
    );
    const [status] = statuses(answer);
    expect(status).toBeLessThan(500);
    await stillServesAlice();
  });
});

describe('WebSocket upgrades where none belongs', () => {
  it.each(['/api/v1/me', '/login', '/', `/hub/launcher`])(
    'answers an upgrade to the hub path %s without switching protocols',
    async (path) => {
      const status = await wsStatus(`${th.url}${path}`, {
        cookie: alice.cookieHeader(),
        origin: th.url,
      });
      expect(status).not.toBe(101);
      expect(status).toBeLessThan(500);
    },
  );

  it("refuses alice's WebSocket to bob's app, on his origin and on hers", async () => {
    expect(
      await wsStatus(`${appOrigin(BOB)}${prefix('bob', BOB)}ws`, {
        cookie: cookieA,
        origin: appOrigin(BOB),
      }),
    ).toBe(404);
    expect(
      await wsStatus(`${appOrigin(A)}${prefix('bob', BOB)}ws`, {
        cookie: cookieA,
        origin: appOrigin(A),
      }),
    ).toBe(404);
  });

  it.each(['h2c', 'TLS/1.2', 'websocket, h2c'])(
    'relays no tunnel for Upgrade: %s that is not a WebSocket handshake',
    async (upgrade) => {
      const answer = await exchange(
        [
          `GET ${prefix('alice', A)}headers HTTP/1.1`,
          `Host: ${appHost(A)}`,
          `Origin: ${appOrigin(A)}`,
          `Cookie: ${cookieA}`,
          `Upgrade: ${upgrade}`,
          'Connection: Upgrade, HTTP2-Settings',
          'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
          '',
          '',
        ].join('\r\n'),
      );
      const [status] = statuses(answer);
      expect(status).not.toBe(101);
      expect(status).toBeLessThan(500);
      await stillServesAlice();
    },
  );
});

describe('cookie tossing between sibling app origins', () => {
  // Any page on an app origin can set `hub-app=...; Domain=apps.localhost; Path=/user/alice/`
  // from script; browsers send the longer path first, ahead of the host-only real cookie.
  it('still signs alice in when a tossed hub-app cookie comes before hers', async () => {
    const real = cookieA.replace(/^hub-app=/, '');
    // Well-formed values (a session hash and a MAC), one per path a sibling can choose.
    const tossed = Array.from(
      { length: 40 },
      (_, i) => `hub-app=${'0'.repeat(63)}${i % 10}.${'A'.repeat(43)}`,
    ).join('; ');
    const res = await exchange(
      head('GET', `${prefix('alice', A)}headers`, ['Connection: close']).replace(
        `Cookie: ${cookieA}`,
        `Cookie: ${tossed}; hub-app-frame=x; hub-app=${real}; app=kept`,
      ),
    );
    expect(statuses(res)).toEqual([200]);
    const body = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4)) as EchoedRequest;
    expect(headerOf(body, 'cookie')).toEqual(['app=kept']);
  });

  it('still admits a share viewer when a tossed hub-share cookie comes before theirs', async () => {
    const [u, b] = [await th.hub.users.get('alice'), await th.hub.users.get('bob')];
    const share = await th.hub.shares.create({
      owner: { userId: u.id, name: u.name },
      urlId: A,
      mode: 'view',
      viewer: { id: b.id, name: b.name },
    });
    const bob = await th.loginAs('bob', 'bob-password-123');
    const link = await bob.fetch(`/share/${share.id}`);
    expect(link.status).toBe(302);
    const ticket = await fetch(link.headers.get('location')!, {
      redirect: 'manual',
      dispatcher: loopbackDispatcher,
    } as never);
    const real = ticket.headers.getSetCookie()[0].split(';')[0];
    expect(real).toMatch(/^hub-share=/);
    const tossed = Array.from(
      { length: 40 },
      (_, i) => `hub-share=${share.id}.-.${'A'.repeat(42)}${i % 10}`,
    );
    const answer = await exchange(
      head('GET', `${prefix('alice', A)}headers`, ['Connection: close']).replace(
        `Cookie: ${cookieA}`,
        `Cookie: ${tossed.join('; ')}; ${real}`,
      ),
    );
    expect(statuses(answer)).toEqual([200]);
  });

  // Over plain http a page on an app origin under the hub's parent domain can also set the
  // hub's own cookie (`hub-session=<mallory's>; hub-session.sig=...; Domain=...; Path=/api/`),
  // which the browser sends ahead of alice's. (Over https only `__Host-hub-session` is read,
  // which no page can set with Domain=.)
  it("never takes a tossed hub-session: alice's API calls never run as mallory", async () => {
    const sessionPair = (c: Client) =>
      c
        .cookieHeader()
        .split('; ')
        .filter((p) => /^hub-session(\.sig)?=/.test(p))
        .join('; ');
    const mallory = await th.userClient('mallory');
    const tossed = sessionPair(mallory);
    const own = sessionPair(alice);
    expect(tossed).toMatch(/hub-session=.*hub-session\.sig=/);
    const me = (cookie: string) =>
      fetch(`${th.url}/api/v1/me`, {
        headers: { cookie },
        dispatcher: loopbackDispatcher,
      } as never);
    expect(((await (await me(own)).json()) as { name: string }).name).toBe('alice');
    for (const cookie of [`${tossed}; ${own}`, `${own}; ${tossed}`]) {
      const res = await me(cookie);
      expect(res.status).toBe(401);
    }
    // Nor on the proxy, where the hub origin reads the same cookie for a container path.
    const res = await fetch(`${th.url}${prefix('alice', A)}headers`, {
      headers: { cookie: `${tossed}; ${own}` },
      redirect: 'manual',
      dispatcher: loopbackDispatcher,
    } as never);
    expect([302, 401, 404]).toContain(res.status);
    expect(res.headers.get('location') ?? '').not.toContain('_hub/ticket');
  });

  it('forwards no hub cookie however the Cookie header is split or spelled', async () => {
    const answer = await exchange(
      [
        `GET ${prefix('alice', A)}headers HTTP/1.1`,
        `Host: ${appHost(A)}`,
        `Cookie: ${cookieA}`,
        `Cookie: ${alice.cookieHeader()}`,
        `cookie: hub-session=x;app=1`,
        `COOKIE:  hub-app = y ; app2=2`,
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    );
    expect(statuses(answer)).toEqual([200]);
    const echoed = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as EchoedRequest;
    const cookies = headerOf(echoed, 'cookie').join('; ');
    expect(cookies).not.toMatch(/hub-/i);
    expect(cookies).toMatch(/app=1/);
    expect(headerOf(echoed, 'authorization')).toEqual([]);
  });

  it('survives a cookie bomb and forwards the app its own cookies', async () => {
    const many = Array.from({ length: 300 }, (_, i) => `c${i}=${'v'.repeat(20)}`).join('; ');
    const answer = await exchange(
      head('GET', `${prefix('alice', A)}headers`, ['Connection: close']).replace(
        `Cookie: ${cookieA}`,
        `Cookie: ${many}; ${cookieA}`,
      ),
    );
    expect(statuses(answer)).toEqual([200]);
    const echoed = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as EchoedRequest;
    expect(headerOf(echoed, 'cookie').join('; ')).toContain('c299=');
  });
});

describe('header bombs', () => {
  it('answers a head larger than the limit with 431 and keeps serving', async () => {
    const huge = Array.from({ length: 2000 }, (_, i) => `X-Pad-${i}: ${'a'.repeat(64)}`);
    const answer = await exchange(head('GET', `${prefix('alice', A)}headers`, huge));
    expect(statuses(answer)).toEqual([431]);
    await stillServesAlice();
    expect((await th.client().fetch('/health')).status).toBe(200);
  });
});

describe('methods no route of the hub serves', () => {
  it('opens no tunnel for CONNECT, on the hub origin or an app origin', async () => {
    for (const host of [`localhost:${port}`, appHost(A)]) {
      const answer = await exchange(
        `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookieA}; ${alice.cookieHeader()}\r\n\r\nGET /health HTTP/1.1\r\nHost: localhost\r\n\r\n`,
      );
      // Closed without an answer, or refused: never a 200 that opens a tunnel.
      expect(statuses(answer).filter((s) => s < 300)).toEqual([]);
    }
  });

  it('answers a lower-case or unknown method with 4xx and keeps serving', async () => {
    for (const method of ['post', 'FOO', 'G ET']) {
      const answer = await exchange(
        head(method, `${prefix('alice', A)}headers`, ['Connection: close']),
      );
      const [status] = statuses(answer);
      expect(answer.length === 0 || (status >= 400 && status < 500)).toBe(true);
      expect(answer).not.toMatch(/"headers"/);
    }
    await stillServesAlice();
  });

  it('takes no method override from a header or a form field on the hub API', async () => {
    const { body } = await alice.json<{ token: string; id: number }>('/api/v1/tokens', {
      method: 'POST',
      json: {},
    });
    // A cross-site form can POST, never DELETE; a header or field must not turn one into the other.
    const res = await alice.fetch(`/api/v1/tokens/${body.id}?_method=DELETE`, {
      method: 'POST',
      headers: {
        'x-http-method-override': 'DELETE',
        'x-method-override': 'DELETE',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '_method=DELETE',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const list = await alice.json<{ id: number }[]>('/api/v1/tokens');
    expect(list.body.map((t) => t.id)).toContain(body.id);
  });
});

describe('hostile JSON bodies on the hub API', () => {
  afterEach(() => {
    // The hub runs in this process: its prototype is ours.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it.each([
    ['/api/v1/tokens', '{"__proto__": {"polluted": 1, "admin": true}, "note": "x"}'],
    ['/api/v1/tokens', '{"constructor": {"prototype": {"polluted": 1}}}'],
    [
      '/api/v1/containers',
      '{"mapping_id": "m", "configurables": {"__proto__": {"polluted": 1}, "resolution": {"__proto__": {"admin": true}}}}',
    ],
    [
      '/api/v1/me/password',
      '{"__proto__": {"admin": true}, "current_password": "x", "new_password": "y"}',
    ],
  ])('does not let %s pollute prototypes, and answers below 500', async (path, body) => {
    const res = await alice.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBeLessThan(500);
    const me = await alice.json<{ admin: boolean }>('/api/v1/me');
    expect(me.body.admin).toBe(false);
  });

  it('answers deep nesting, a body over the limit and malformed JSON with 4xx', async () => {
    for (const [body, status] of [
      // Deep, but under max_body_bytes (64 KiB): the parser and the schema see it all.
      [`{"note": ${'['.repeat(30_000)}${']'.repeat(30_000)}}`, 400],
      [`{"note": "${'x'.repeat(200_000)}"}`, 413],
      ['{"note": "x"', 400],
      ['\u0000{}', 400],
      ['{"note": "x", "note": {"$gt": ""}}', 400],
    ] as const) {
      const res = await alice.fetch('/api/v1/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect([body.slice(0, 12), res.status]).toEqual([body.slice(0, 12), status]);
    }
    expect((await alice.fetch('/api/v1/me')).status).toBe(200);
  });
});

describe('one user flooding the hub', () => {
  it('answers 100 parallel starts of an app she may not start with 4xx, and bob still gets answers', async () => {
    const starts = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        alice.fetch('/api/v1/containers', { method: 'POST', json: { mapping_id: `none-${i}` } }),
      ),
    );
    for (const res of starts) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const bob = await th.loginAs('bob', 'bob-password-123');
    expect((await bob.fetch('/api/v1/me')).status).toBe(200);
  });

  it('answers 300 pipelined requests in order, each with its own answer', async () => {
    const paths = Array.from({ length: 300 }, (_, i) => `${prefix('alice', A)}p${i}/headers`);
    const answer = await exchange(
      paths
        .map((p, i) => head('GET', p, i === paths.length - 1 ? ['Connection: close'] : []))
        .join(''),
    );
    expect(statuses(answer)).toEqual(paths.map(() => 200));
    const echoedPaths = [...answer.matchAll(/"path":"([^"]+)"/g)].map((m) => m[1]);
    expect(echoedPaths).toEqual(paths);
  });

  it('keeps answering others while one user holds 300 WebSockets to her app', async () => {
    const open = (): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://${appHost(A)}${prefix('alice', A)}ws`, {
          headers: { cookie: cookieA, origin: appOrigin(A) },
          lookup: loopbackLookup,
        } as WebSocket.ClientOptions);
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const sockets: WebSocket[] = [];
    try {
      for (let i = 0; i < 30; i++)
        sockets.push(...(await Promise.all(Array.from({ length: 10 }, open))));
      expect(sockets.filter((ws) => ws.readyState === WebSocket.OPEN)).toHaveLength(300);
      const last = sockets[sockets.length - 1];
      const echoed = new Promise<string>((resolve) =>
        last.once('message', (data: Buffer) => resolve(data.toString())),
      );
      last.send('still here');
      expect(await echoed).toBe('still here');
      await stillServesAlice();
      const bob = await th.loginAs('bob', 'bob-password-123');
      expect((await bob.fetch('/api/v1/me')).status).toBe(200);
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });

  it('keeps answering others while one client holds many half-sent requests', async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
              s.write(
                `GET ${prefix('alice', A)}headers HTTP/1.1\r\nHost: ${appHost(A)}\r\nX-Slow: `,
              );
              resolve(s);
            });
            s.on('error', () => undefined);
          }),
      ),
    );
    try {
      await stillServesAlice();
      expect((await th.client().fetch('/health')).status).toBe(200);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});
