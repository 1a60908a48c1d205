import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import type { HubConfig } from '../../server/config/schema';
import { type RunningHub, startHub } from '../../server/compose';
import type { DeepPartial } from '../../server/core';

export const ADMIN = { name: 'admin', password: 'admin-password-for-tests' };

/**
 * Resolves every name to loopback, as browsers do for `*.localhost`: app origins
 * (`<url_id>.apps.localhost`) reach the hub under test without any DNS set-up.
 */
export const loopbackLookup = ((
  _host: string,
  opts: { all?: boolean },
  cb: (err: null, address: unknown, family?: number) => void,
) =>
  opts?.all
    ? cb(null, [{ address: '127.0.0.1', family: 4 }])
    : cb(null, '127.0.0.1', 4)) as unknown as typeof import('node:dns').lookup;

export const loopbackDispatcher = new Agent({ connect: { lookup: loopbackLookup } });

/**
 * A fetch wrapper with cookie jars and the CSRF header, as a browser page would send: the hub's
 * cookies go to the hub's origin only, each app origin has a jar of its own, and the first
 * request to an app origin first signs in there the way a browser does (the hub origin's
 * ticket redirect), so tests can fetch the absolute `url` of a container as users open it.
 */
export class Client {
  cookies = new Map<string, string>();
  /** Cookie jars of app origins, by host. */
  appCookies = new Map<string, Map<string, string>>();
  csrf: string | null = null;
  bearer: string | null = null;

  constructor(readonly base: string) {}

  cookieHeader(jar: Map<string, string> = this.cookies): string {
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The app cookie header for a container URL (after `fetch` signed in there). */
  appCookieHeader(url: string): string {
    return this.cookieHeader(this.appCookies.get(new URL(url).host) ?? new Map());
  }

  async fetch(p: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const url = new URL(p, this.base);
    const hubHost = new URL(this.base).host;
    const onApp = url.host !== hubHost;
    if (onApp && !this.appCookies.has(url.host) && this.cookies.size) await this.signInTo(url);
    const jar = onApp ? (this.appCookies.get(url.host) ?? new Map<string, string>()) : this.cookies;
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', this.cookieHeader(jar));
    if (this.bearer) headers.set('authorization', `Bearer ${this.bearer}`);
    const method = (init.method ?? 'GET').toUpperCase();
    if (this.csrf && !onApp && !['GET', 'HEAD'].includes(method) && !headers.has('x-csrf-token'))
      headers.set('x-csrf-token', this.csrf);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    const res = await fetch(url, {
      ...init,
      method,
      headers,
      body,
      redirect: 'manual',
      dispatcher: loopbackDispatcher,
    } as unknown as RequestInit);
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const k = pair.slice(0, i);
      const v = pair.slice(i + 1);
      if (v === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(k);
      else jar.set(k, v);
    }
    if (onApp && !this.appCookies.has(url.host) && jar.size) this.appCookies.set(url.host, jar);
    return res;
  }

  /** As a browser: the hub origin answers the app's path with a ticket for the app origin. */
  private async signInTo(url: URL): Promise<void> {
    this.appCookies.set(url.host, new Map());
    const res = await this.fetch(url.pathname + url.search, { headers: { accept: 'text/html' } });
    const location = res.headers.get('location');
    if (res.status === 302 && location && new URL(location).host === url.host)
      await this.fetch(location);
  }

  async json<T = unknown>(
    p: string,
    init: RequestInit & { json?: unknown } = {},
  ): Promise<{ status: number; body: T; res: Response }> {
    const res = await this.fetch(p, init);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep text */
    }
    return { status: res.status, body: body as T, res };
  }

  async login(name: string, password: string): Promise<Response> {
    const res = await this.fetch('/login', { method: 'POST', json: { username: name, password } });
    if (res.ok) this.csrf = ((await res.clone().json()) as { csrf_token: string }).csrf_token;
    return res;
  }
}

export interface TestHub extends RunningHub {
  dataDir: string;
  client(): Client;
  /** Logs in and returns a client; throws when the login fails. */
  loginAs(name: string, password: string): Promise<Client>;
  /** Creates a user through the service layer and returns a logged-in client. */
  userClient(name: string, password?: string): Promise<Client>;
  restart(): Promise<TestHub>;
}

/**
 * Boots the real hub in-process on a free port with a temporary data folder and the first
 * admin ADMIN. `close()` stops it; `restart()` stops and starts it on the same data folder.
 */
export async function bootHub(
  overrides: DeepPartial<HubConfig> = {},
  opts: { dataDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<TestHub> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'hub-test-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DOCKER_HOST: process.env.DOCKER_HOST,
    HUB_CONFIG: path.join(__dirname, '..', '..', 'config', 'hub.json'),
    HUB_PORT: '0',
    HUB_DATA_DIR: dataDir,
    HUB_ADMIN_USER: ADMIN.name,
    HUB_ADMIN_PASSWORD: ADMIN.password,
    HUB_REALM: `test-${process.pid}`,
    ...opts.env,
  };
  // Example images are offered only where a test asks for them, and warm starts (a hidden
  // container made at sign-in) only where a test turns them on: other tests count containers.
  const running = await startHub({
    env,
    overrides: {
      example_images: [],
      ...overrides,
      spawner: {
        ...overrides.spawner,
        warm_start: { enabled: false, ...overrides.spawner?.warm_start },
      },
    },
  });
  const th: TestHub = {
    ...running,
    dataDir,
    client: () => new Client(running.url),
    async loginAs(name, password) {
      const c = new Client(running.url);
      const res = await c.login(name, password);
      if (res.status !== 200)
        throw new Error(`login as ${name} failed: ${res.status} ${await res.text()}`);
      return c;
    },
    async userClient(name, password = `${name}-password-123`) {
      if (!(await running.hub.users.find(name))) await running.hub.users.create(name, { password });
      return th.loginAs(name, password);
    },
    async restart() {
      await running.close();
      return bootHub(overrides, { dataDir, env: opts.env });
    },
  };
  return th;
}
