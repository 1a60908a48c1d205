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
 * A share's viewer as an attacker: a modified viewer page that types into a view-only share,
 * reuses its cookie elsewhere, or keeps going after the owner revoked it. Real hub, real proxy,
 * real echo container (it echoes WebSocket frames, so what reached the app comes back).
 */
jest.setTimeout(60_000);

let echo: EchoContainer;
let th: TestHub;
let alice: Client;
let bob: Client;
let carol: Client;
const A = newUrlId();
const OTHER = newUrlId();
let port: string;
const prefix = (id: string) => `/user/alice/containers/${id}/`;
const appOrigin = (id: string) => `http://${id}.apps.localhost:${port}`;

const HANDSHAKE = Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1])]);
const FBUR = Buffer.from([3, 1, 0, 0, 0, 0, 4, 0, 3, 0]);
const KEY = Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61]);
const POINTER = Buffer.from([5, 1, 0, 10, 0, 20]);
const CUT = Buffer.concat([Buffer.from([6, 0, 0, 0, 0, 0, 0, 4]), Buffer.from('rm -')]);

async function send(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', dispatcher: loopbackDispatcher, ...init } as never);
}

/** Follows a share link as a browser: hub origin → ticket → app origin; the app cookie. */
async function openShare(viewer: Client | null, id: string): Promise<string> {
  const link = viewer ? await viewer.fetch(`/share/${id}`) : await send(`${th.url}/share/${id}`);
  expect(link.status).toBe(302);
  const ticket = await send(link.headers.get('location')!);
  expect(ticket.status).toBe(302);
  const [cookie] = ticket.headers.getSetCookie();
  expect(cookie).toMatch(/^hub-share=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
  return cookie.split(';')[0];
}

interface Viewer {
  ws: WebSocket;
  received: Buffer[];
  closed: Promise<number>;
}

function connect(id: string, cookie: string): Promise<Viewer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${id}.apps.localhost:${port}${prefix(id)}websockify`, {
      headers: { cookie, origin: appOrigin(id) },
      lookup: loopbackLookup,
    } as WebSocket.ClientOptions);
    const received: Buffer[] = [];
    ws.on('message', (data: Buffer) => received.push(data));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.once('open', () => resolve({ ws, received, closed }));
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
    ws.once('error', reject);
  });
}

/** Sends the RFB messages, a message split over fragments included; what the app got back. */
async function typeAway(v: Viewer): Promise<Buffer> {
  v.ws.send(HANDSHAKE);
  v.ws.send(Buffer.concat([FBUR, KEY.subarray(0, 3)]), { fin: false });
  v.ws.send(Buffer.concat([KEY.subarray(3), POINTER, CUT]), { fin: true });
  v.ws.send(FBUR);
  // The echo comes back in order; the last FBUR marks the end of what the app received.
  const want = (b: Buffer) => b.subarray(b.length - FBUR.length).equals(FBUR) && b.length > 20;
  for (let i = 0; i < 200 && !want(Buffer.concat(v.received)); i++)
    await new Promise((r) => setTimeout(r, 20));
  return Buffer.concat(v.received);
}

beforeAll(async () => {
  echo = await runEcho();
  th = await bootHub();
  port = new URL(th.url).port;
  alice = await th.userClient('alice');
  bob = await th.userClient('bob');
  carol = await th.userClient('carol');
  for (const id of [A, OTHER])
    th.hub.routes.set({
      urlId: id,
      user: 'alice',
      target: echo.target,
      containerId: echo.id,
      mappingId: 'm',
    });
});

afterAll(async () => {
  await th?.close();
  await echo?.stop();
});

const owner = async () => {
  const u = await th.hub.users.get('alice');
  return { userId: u.id, name: u.name };
};
const userRef = async (name: string) => {
  const u = await th.hub.users.get(name);
  return { id: u.id, name: u.name };
};

/** A share of alice's app `urlId` made by the hub itself (the API is tested elsewhere). */
const shareOf = async (urlId: string, mode: 'view' | 'control', viewer: string | null) =>
  th.hub.shares.create({
    owner: await owner(),
    urlId,
    mode,
    viewer: viewer ? await userRef(viewer) : null,
  });

describe('a view share', () => {
  it('drops the viewer’s keys, pointer and clipboard before the app, and passes the rest', async () => {
    const share = await shareOf(A, 'view', 'bob');
    const v = await connect(A, await openShare(bob, share.id));
    expect(await typeAway(v)).toEqual(Buffer.concat([HANDSHAKE, FBUR, FBUR]));
    v.ws.terminate();
  });

  it('closes the connection on a client message it cannot delimit, rather than guess', async () => {
    const share = await shareOf(A, 'view', 'bob');
    const v = await connect(A, await openShare(bob, share.id));
    v.ws.send(Buffer.concat([HANDSHAKE, Buffer.from([77, 0, 0, 0])]));
    await v.closed;
    expect(Buffer.concat(v.received).includes(Buffer.from([77]))).toBe(false);
  });

  it('refuses state-changing HTTP requests with a reason', async () => {
    const share = await shareOf(A, 'view', 'bob');
    const cookie = await openShare(bob, share.id);
    const res = await send(`${appOrigin(A)}${prefix(A)}form`, {
      method: 'POST',
      headers: { cookie, origin: appOrigin(A), accept: 'application/json' },
      body: 'x=1',
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('share_view_only');
    const get = await send(`${appOrigin(A)}${prefix(A)}page`, { headers: { cookie } });
    expect(get.status).toBe(200);
  });
});

describe('a control share', () => {
  it('passes the viewer’s input unchanged', async () => {
    const share = await shareOf(A, 'control', 'bob');
    const v = await connect(A, await openShare(bob, share.id));
    expect(await typeAway(v)).toEqual(Buffer.concat([HANDSHAKE, FBUR, KEY, POINTER, CUT, FBUR]));
    v.ws.terminate();
  });
});

describe('what a share cookie cannot do', () => {
  it('opens no other app origin, and is not the owner’s cookie', async () => {
    const share = await shareOf(A, 'control', 'bob');
    const cookie = await openShare(bob, share.id);
    // Same owner, another container: the cookie's MAC names A only.
    const other = await send(`${appOrigin(OTHER)}${prefix(OTHER)}page`, {
      headers: { cookie, accept: 'application/json' },
    });
    expect(other.status).toBe(404);
    // The cookie is not sent on to the app.
    const echoed = await send(`${appOrigin(A)}${prefix(A)}headers`, {
      headers: { cookie: `${cookie}; app=1` },
    });
    expect(headerOf((await echoed.json()) as EchoedRequest, 'cookie')).toEqual(['app=1']);
  });

  it('is refused to a user the link does not name', async () => {
    const share = await shareOf(A, 'view', 'bob');
    const res = await carol.fetch(`/share/${share.id}`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('share_other_user');
  });

  it('dies with the viewer’s hub session', async () => {
    const dave = await th.userClient('dave');
    const share = await shareOf(A, 'view', 'dave');
    const cookie = await openShare(dave, share.id);
    expect((await send(`${appOrigin(A)}${prefix(A)}page`, { headers: { cookie } })).status).toBe(
      200,
    );
    await dave.fetch('/logout', { method: 'POST' });
    const after = await send(`${appOrigin(A)}${prefix(A)}page`, {
      headers: { cookie, accept: 'application/json' },
    });
    expect(after.status).not.toBe(200);
  });

  it('needs a hub login for a link that names no user while anonymous shares are off', async () => {
    const share = await shareOf(A, 'view', null);
    const res = await send(`${th.url}/share/${share.id}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(
      `/login?next=${encodeURIComponent(`/share/${share.id}`)}`,
    );
    // Any signed-in user may use it.
    const v = await connect(A, await openShare(carol, share.id));
    v.ws.terminate();
  });
});

describe('revoking and expiry', () => {
  it('closes the viewer’s open WebSocket at once and refuses the link after', async () => {
    const share = await shareOf(A, 'view', 'bob');
    const cookie = await openShare(bob, share.id);
    const v = await connect(A, cookie);
    expect(th.hub.shares.connectedTo(share.id).map((c) => c.viewer)).toEqual(['bob']);
    const list = await alice.json<Array<{ id: string }>>(`/api/v1/containers/${A}/shares`);
    // A is set in the route table only (no container record), so the API does not know it.
    expect(list.status).toBe(404);
    await th.hub.shares.revoke(await owner(), A, share.id);
    await v.closed;
    expect(th.hub.shares.connectedTo(share.id)).toEqual([]);
    const again = await send(`${appOrigin(A)}${prefix(A)}page`, {
      headers: { cookie, accept: 'application/json' },
    });
    expect(again.status).toBe(404);
    const link = await bob.fetch(`/share/${share.id}`, { headers: { accept: 'application/json' } });
    expect(link.status).toBe(410);
    expect(((await link.json()) as { error: { code: string } }).error.code).toBe('share_revoked');
  });

  it('refuses an expired link and its cookie', async () => {
    const share = await shareOf(A, 'view', 'bob');
    const cookie = await openShare(bob, share.id);
    // Expire it without waiting: the cached row is the one the hub checks.
    (await th.hub.shares.get(share.id))!.expires_at = new Date(Date.now() - 1000);
    const link = await bob.fetch(`/share/${share.id}`, { headers: { accept: 'application/json' } });
    expect(link.status).toBe(410);
    expect(((await link.json()) as { error: { code: string } }).error.code).toBe('share_expired');
    const res = await send(`${appOrigin(A)}${prefix(A)}page`, {
      headers: { cookie, accept: 'application/json' },
    });
    expect(res.status).toBe(404);
  });

  it('answers 410 for a stopped app and 404 for a link that never was', async () => {
    const gone = newUrlId();
    th.hub.routes.set({
      urlId: gone,
      user: 'alice',
      target: echo.target,
      containerId: echo.id,
      mappingId: 'm',
    });
    const share = await shareOf(gone, 'view', 'bob');
    th.hub.routes.delete(gone);
    const res = await bob.fetch(`/share/${share.id}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(410);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'share_app_stopped',
    );
    for (const id of ['0'.repeat(32), 'nonsense', '../admin'])
      expect(
        (await bob.fetch(`/share/${id}`, { headers: { accept: 'application/json' } })).status,
      ).toBe(404);
  });
});

describe('with shares.anonymous on', () => {
  let anon: TestHub;
  const ID = newUrlId();
  beforeAll(async () => {
    anon = await bootHub({ shares: { anonymous: true } });
    await anon.userClient('alice');
    anon.hub.routes.set({
      urlId: ID,
      user: 'alice',
      target: echo.target,
      containerId: echo.id,
      mappingId: 'm',
    });
  });
  afterAll(async () => {
    await anon?.close();
  });

  const aliceOf = async () => {
    const u = await anon.hub.users.get('alice');
    return { userId: u.id, name: u.name };
  };

  it('lets anyone with a link that names no user watch, and still drops their input', async () => {
    const s = await anon.hub.shares.create({
      owner: await aliceOf(),
      urlId: ID,
      mode: 'view',
      viewer: null,
    });
    const link = await send(`${anon.url}/share/${s.id}`);
    expect(link.status).toBe(302);
    const ticket = await send(link.headers.get('location')!);
    const cookie = ticket.headers.getSetCookie()[0].split(';')[0];
    const anonPort = new URL(anon.url).port;
    const ws = new WebSocket(`ws://${ID}.apps.localhost:${anonPort}${prefix(ID)}websockify`, {
      headers: { cookie, origin: `http://${ID}.apps.localhost:${anonPort}` },
      lookup: loopbackLookup,
    } as WebSocket.ClientOptions);
    const received: Buffer[] = [];
    ws.on('message', (d: Buffer) => received.push(d));
    const closed = new Promise((r) => ws.once('close', r));
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    const v: Viewer = { ws, received, closed: closed as Promise<number> };
    expect(await typeAway(v)).toEqual(Buffer.concat([HANDSHAKE, FBUR, FBUR]));
    expect(anon.hub.shares.connectedTo(s.id).map((x) => x.viewer)).toEqual([null]);
    await anon.hub.shares.revoke(await aliceOf(), ID, s.id);
    await v.closed;
  });

  it('still needs the login of the user a link names', async () => {
    const { user: bobUser } = await anon.hub.users.create('bob', { password: 'bob-password-123' });
    const s = await anon.hub.shares.create({
      owner: await aliceOf(),
      urlId: ID,
      mode: 'view',
      viewer: { id: bobUser.id, name: bobUser.name },
    });
    const link = await send(`${anon.url}/share/${s.id}`);
    expect(link.status).toBe(302);
    expect(link.headers.get('location')).toMatch(/^\/login\?next=/);
  });
});
