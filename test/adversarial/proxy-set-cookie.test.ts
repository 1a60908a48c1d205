import net from 'node:net';
import { HUB_COOKIE_NAMES } from '../../server/auth/cookies';
import { type EchoContainer, runEcho } from '../helpers/echo-image';
import { newUrlId, type ProxyHarness, startProxyHarness } from '../integration/proxy-harness';

/**
 * An app that tries to plant or overwrite cookies through the proxy. Whatever it answers (a
 * page, a redirect, the 101 of a WebSocket upgrade, or a refusal of that upgrade) and however
 * it spells the cookie, the browser must never receive a cookie named like one of the hub's,
 * nor one scoped outside the app's own path. The echo app sets one Set-Cookie header per `c`
 * query parameter, exactly as given.
 */
let echo: EchoContainer;
let hub: ProxyHarness;
const URL_ID = newUrlId();
const PREFIX = `/user/alice/containers/${URL_ID}/`;
const HUB_NAMES = new Set(HUB_COOKIE_NAMES.map((n) => n.toLowerCase()));

beforeAll(async () => {
  echo = await runEcho();
  hub = await startProxyHarness({ hubCookieNames: HUB_COOKIE_NAMES });
  hub.routes.set({
    urlId: URL_ID,
    user: 'alice',
    target: echo.target,
    containerId: echo.id,
    mappingId: 'm',
  });
});

afterAll(async () => {
  await hub?.close();
  await echo?.stop();
});

/** The answers through which an app can send cookies, and the request that draws each. */
const ANSWERS = {
  'a 200 page': { path: 'set-cookie', query: '', upgrade: false, status: 200 },
  'a 302 redirect': { path: 'set-cookie', query: 's=302&', upgrade: false, status: 302 },
  'the 101 of a WebSocket upgrade': { path: 'ws', query: '', upgrade: true, status: 101 },
  'an upgrade refused with 401': { path: 'status/401/ws', query: '', upgrade: true, status: 401 },
  'an upgrade refused with 403': { path: 'status/403/ws', query: '', upgrade: true, status: 403 },
} as const;
type Answer = keyof typeof ANSWERS;
const ANSWER_NAMES = Object.keys(ANSWERS) as Answer[];

/**
 * Sends the request for `answer` with the app setting `cookies`, on a raw socket (what a
 * browser reads: every header line as sent), and returns the status and Set-Cookie values.
 */
async function setByApp(
  answer: Answer,
  cookies: readonly string[],
): Promise<{ status: number; setCookies: string[] }> {
  const a = ANSWERS[answer];
  const query = a.query + cookies.map((c) => `c=${encodeURIComponent(c)}`).join('&');
  const head =
    `GET ${PREFIX}${a.path}?${query} HTTP/1.1\r\nHost: 127.0.0.1:${hub.port}\r\n` +
    'Cookie: hub-session=alice; hub-session.sig=sig\r\n' +
    (a.upgrade
      ? 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
      : 'Connection: close\r\n') +
    '\r\n';
  const text = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(hub.port, '127.0.0.1', () => socket.write(head));
    let got = '';
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(got.slice(0, end));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed before a head: ${got}`)));
  });
  const [statusLine, ...lines] = text.split('\r\n');
  const setCookies = lines
    .filter((l) => /^set-cookie\s*:/i.test(l))
    .map((l) => l.slice(l.indexOf(':') + 1).trim());
  return { status: Number(statusLine.split(' ')[1]), setCookies };
}

/** What a browser would store: name, and the Domain and Path attributes it would apply. */
function parse(setCookie: string): { name: string; domains: string[]; paths: string[] } {
  const [pair, ...attrs] = setCookie.split(';');
  const eq = pair.indexOf('=');
  const attr = (key: string) =>
    attrs
      .map((a) => a.trim())
      .filter((a) => a.toLowerCase().startsWith(`${key}=`) || a.toLowerCase() === key)
      .map((a) => a.slice(key.length + 1).trim());
  return {
    // A browser stores a nameless pair as a cookie whose value is the text (sent back bare).
    name: eq === -1 ? '' : pair.slice(0, eq).trim(),
    domains: attr('domain'),
    paths: attr('path'),
  };
}

/** Checks that a Set-Cookie the browser received stays inside the app and is not the hub's. */
function expectConfined(setCookie: string): void {
  const { name, domains, paths } = parse(setCookie);
  const base = name.toLowerCase().replace(/^__(host|secure)-/, '');
  expect({ setCookie, hubName: HUB_NAMES.has(base) || name === '' }).toEqual({
    setCookie,
    hubName: false,
  });
  expect({ setCookie, domains }).toEqual({ setCookie, domains: [] });
  expect({ setCookie, paths: paths.length }).toEqual({ setCookie, paths: 1 });
  const path = paths[0];
  expect({ setCookie, inside: path.startsWith(PREFIX) || path === PREFIX.slice(0, -1) }).toEqual({
    setCookie,
    inside: true,
  });
}

// Every spelling under which a browser or the hub's cookie parser could take a cookie for one
// of the hub's: case, __Host-/__Secure- prefixes, stray spaces, nameless pairs.
const HUB_SPELLINGS = HUB_COOKIE_NAMES.flatMap((n) => [
  `${n}=evil; Path=/`,
  `${n.toUpperCase()}=evil`,
  `${n[0].toUpperCase()}${n.slice(1)}=evil; Path=/; Domain=127.0.0.1`,
  ` ${n} =evil; Path=/; HttpOnly`,
  `__Host-${n}=evil; Path=/; Secure`,
  `__HOST-${n}=evil; Path=/; Secure`,
  `__Secure-${n}=evil; Secure; Path=/`,
  `${n}=; Max-Age=0; Path=/`,
  `${n}=evil; Path=${PREFIX}`,
  `${n}`,
  `=${n}=evil`,
]);

// Scopes an app may ask for that reach beyond its own path.
const WIDE_SCOPES = [
  'app=1; Path=/',
  'app=1; Domain=127.0.0.1',
  'app=1; Domain=.localhost; Path=/',
  'app=1; domain=localhost; path=/user/',
  'app=1; Path=/user/alice/',
  `app=1; Path=/user/alice/containers/${URL_ID}x/`,
  `app=1; Path=/user/bob/containers/${URL_ID}/`,
  `app=1; Path=${PREFIX}; Path=/`,
  'app=1; Path=',
  'app=1',
];

describe.each(ANSWER_NAMES)('cookies an app sets on %s', (answer) => {
  it('answer arrives with the status the app chose', async () => {
    expect((await setByApp(answer, ['app=1'])).status).toBe(ANSWERS[answer].status);
  });

  it('a lone Set-Cookie of the app arrives, confined to its prefix', async () => {
    const { setCookies } = await setByApp(answer, ['app=1; Path=/; Domain=127.0.0.1']);
    expect(setCookies).toEqual([`app=1; Path=${PREFIX}`]);
  });

  it.each(HUB_SPELLINGS)('never delivers a hub cookie, alone: %s', async (cookie) => {
    const { setCookies } = await setByApp(answer, [cookie]);
    expect(setCookies).toEqual([]);
  });

  it('never delivers a hub cookie among others', async () => {
    const { setCookies } = await setByApp(answer, ['keep=1', ...HUB_SPELLINGS, 'keep=2']);
    expect(setCookies).toEqual([`keep=1; Path=${PREFIX}`, `keep=2; Path=${PREFIX}`]);
  });

  it.each(WIDE_SCOPES)('confines a wide scope to the prefix: %s', async (cookie) => {
    const { setCookies } = await setByApp(answer, [cookie]);
    expect(setCookies).toHaveLength(1);
    for (const c of setCookies) expectConfined(c);
  });

  it('confines every cookie of a mixed answer', async () => {
    const { setCookies } = await setByApp(answer, [...WIDE_SCOPES, ...HUB_SPELLINGS]);
    expect(setCookies).toHaveLength(WIDE_SCOPES.length);
    for (const c of setCookies) expectConfined(c);
  });
});
