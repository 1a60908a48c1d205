import type { Browser } from 'playwright-core';
import { type EchoContainer, runEcho } from '../helpers/echo-image';
import { ensureFrontendBuilt, launchBrowser, logIn, newPage, screenshot } from '../helpers/browser';
import { ADMIN, bootHub, type TestHub } from '../helpers/hub';
import { newUrlId } from '../integration/proxy-harness';

/**
 * A hostile app page in Debian's Chromium: an admin opens their app, and the app's script
 * (run here with page.evaluate, in the app page's own context) tries everything a script on
 * the hub's origin could do. On its own origin it can do none of it; logout ends its access.
 */
describe('an app page cannot act in its user’s name (browser)', () => {
  let hub: TestHub;
  let browser: Browser;
  let echo: EchoContainer;
  const ID = newUrlId();
  const PREFIX = `/user/${ADMIN.name}/containers/${ID}/`;

  beforeAll(async () => {
    await ensureFrontendBuilt();
    echo = await runEcho();
    hub = await bootHub();
    hub.hub.routes.set({
      urlId: ID,
      user: ADMIN.name,
      target: echo.target,
      containerId: echo.id,
      mappingId: 'm',
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await echo?.stop();
  });

  it('opens on its own origin, where its script reaches nothing of the hub', async () => {
    const { page, context } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, ADMIN.name, ADMIN.password);
      // The hub's path answers with a ticket for the app origin, which lands on the clean URL.
      await page.goto(`${PREFIX}headers`);
      const appOrigin = `http://${ID}.apps.localhost:${new URL(hub.url).port}`;
      expect(page.url()).toBe(`${appOrigin}${PREFIX}headers`);
      await screenshot(page, 'app-origin-page');

      const hubOrigin = hub.url;
      const seen = await page.evaluate(async (hubOrigin: string) => {
        const doc = (globalThis as unknown as { document: { cookie: string } }).document;
        const tryFetch = async (url: string, init?: RequestInit) => {
          try {
            const r = await fetch(url, init);
            return `${r.status} ${r.type} ${(await r.text()).slice(0, 200)}`;
          } catch (err) {
            return `threw ${(err as Error).name}`;
          }
        };
        const body = JSON.stringify({
          name: 'mallory',
          password: 'mallory-password-1',
          admin: true,
        });
        return {
          cookies: doc.cookie,
          sameOriginMe: await tryFetch('/api/v1/me'),
          hubMe: await tryFetch(`${hubOrigin}/api/v1/me`, { credentials: 'include' }),
          hubCreate: await tryFetch(`${hubOrigin}/api/v1/admin/users`, {
            method: 'POST',
            credentials: 'include',
            mode: 'no-cors',
            headers: { 'content-type': 'text/plain' },
            body,
          }),
          appCreate: await tryFetch('/api/v1/admin/users', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          }),
          login: await tryFetch('/login'),
        };
      }, hubOrigin);

      // HttpOnly app cookie, and the hub's session is not even sent here.
      expect(seen.cookies).toBe('');
      expect(seen.sameOriginMe).toMatch(/^404 /);
      expect(seen.appCreate).toMatch(/^404 /);
      expect(seen.login).toMatch(/^404 /);
      // Cross-origin: the browser neither shows the answer nor lets a POST through as admin.
      expect(seen.hubMe).toBe('threw TypeError');
      expect(seen.hubCreate).toMatch(/^0 opaque/);
      expect(await hub.hub.users.find('mallory')).toBeFalsy();

      // A window it opens on the hub is another origin: nothing to read there.
      const readHub = await page.evaluate(async (hubOrigin: string) => {
        const w = (globalThis as unknown as { open(u: string): { document: unknown } | null }).open(
          `${hubOrigin}/hub/launcher`,
        );
        await new Promise((r) => setTimeout(r, 500));
        try {
          return String((w?.document as { body?: { innerHTML: string } })?.body?.innerHTML);
        } catch (err) {
          return `threw ${(err as Error).name}`;
        }
      }, hubOrigin);
      expect(readHub).toBe('threw SecurityError');

      // Logout on the hub ends the app's access: the app page now leads to the login.
      const hubTab = await context.newPage();
      await hubTab.goto(`${hubOrigin}/hub/launcher`);
      await hubTab.getByRole('button', { name: 'Log out' }).click();
      await hubTab.waitForURL('**/login');
      await page.reload();
      await page.waitForURL(`**/login?next=${encodeURIComponent(`${PREFIX}headers`)}`);
      expect(new URL(page.url()).origin).toBe(hubOrigin);
    } finally {
      await context.close();
    }
  });

  it('warns admins on every admin page when apps share the hub origin, and not otherwise', async () => {
    // The same hub reached by a public-looking name (mapped to loopback inside Chromium only).
    const named = await launchBrowser(['--host-resolver-rules=MAP hub.example.test 127.0.0.1']);
    try {
      const base = `http://hub.example.test:${new URL(hub.url).port}`;
      const { page, context } = await newPage(named, { baseURL: base });
      await logIn(page, ADMIN.name, ADMIN.password);
      for (const path of ['/hub/admin', '/hub/admin/users', '/hub/admin/containers']) {
        await page.goto(path);
        await page.getByRole('alert').filter({ hasText: "Apps share the hub's origin" }).waitFor();
      }
      await screenshot(page, 'admin-isolation-warning');
      await context.close();
    } finally {
      await named.close();
    }
    const { page, context } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, ADMIN.name, ADMIN.password);
      await page.goto('/hub/admin/users');
      await page.getByRole('heading', { name: 'All users' }).waitFor();
      expect(await page.getByText("Apps share the hub's origin").count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
