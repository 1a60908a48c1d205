import type { Client } from '../hub';

/**
 * Walks the sign-in as a browser would, without one: the hub's /login/oidc, the provider's
 * login page (form post) and its redirects, up to the hub's callback URL, which is returned
 * unopened so a test can open it, open it twice, or change it.
 */
export async function providerCallbackUrl(
  hub: Client,
  login: string,
  password: string,
  next?: string,
): Promise<string> {
  const start = await hub.fetch(`/login/oidc${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  if (start.status !== 302)
    throw new Error(`/login/oidc answered ${start.status}: ${await start.text()}`);
  let url = start.headers.get('location')!;
  const jar = new Map<string, string>();
  const hubOrigin = new URL(hub.base).origin;
  for (let hop = 0; hop < 10; hop++) {
    if (new URL(url).origin === hubOrigin) return url;
    let res = await fetchWithJar(jar, url);
    if (res.status === 200 && new URL(url).pathname.startsWith('/interaction/')) {
      res = await fetchWithJar(jar, url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login, password }).toString(),
      });
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location)
      throw new Error(
        `provider answered ${res.status} at ${url}: ${(await res.text()).slice(0, 500)}`,
      );
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects at the provider');
}

async function fetchWithJar(
  jar: Map<string, string>,
  url: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(pair.slice(0, i));
    else jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return res;
}

/** Opens the callback with the hub client; on success the client holds a session. */
export async function finish(hub: Client, callbackUrl: string) {
  const res = await hub.fetch(callbackUrl, { headers: { accept: 'text/html' } });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}
