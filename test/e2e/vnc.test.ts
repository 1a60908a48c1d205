import Dockerode from 'dockerode';
import type { Browser, Locator, Page } from 'playwright-core';
import { ensureFrontendBuilt, launchBrowser, newPage, screenshot, logIn } from '../helpers/browser';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { dumpRealmLogs, removeRealmContainers } from './fixtures';
import {
  canvasStats,
  type CanvasStats,
  containerEnv,
  ensureTerminalImage,
  pollUntil,
  realmContainers,
  recordTraffic,
  rfbHandshake,
  saveFramebuffer,
  stopAllContainers,
  TERMINAL_IMAGE,
  tryUpgrade,
  websockifyUrl,
} from './vnc-fixtures';

/**
 * The desktop path end to end with the real example image (images/terminal: Xvnc, matchbox,
 * xterm, noVNC behind websockify): a user starts it from the launcher in Chromium, noVNC
 * connects through the hub's proxy and draws the xterm, keys typed in the browser reach it,
 * a second start with another screen size really changes the framebuffer, and Stop leaves
 * no container behind. An HTTP-level check speaks RFB through the proxy with the owner's
 * cookie and is refused with anyone else's.
 */

jest.setTimeout(240_000);

const docker = new Dockerode();
const USER = { name: 'dora', password: 'dora-password-123' };
const UI_NAME = 'Terminal';
/** The xterm's background in images/terminal/hub-terminal (-bg '#141c25'). */
const XTERM_BACKGROUND = 0x141c25;
/** A URL the proxy serves for one of USER's containers. */
/** A container's URL: on its own origin (DESIGN.md "App origins"), the hub being on loopback. */
const CONTAINER_PATH = new RegExp(
  `^http://([0-9a-f]{32})\\.apps\\.localhost:\\d+/user/${USER.name}/containers/\\1/$`,
);

let hub: TestHub;
let browser: Browser;
let admin: Client;
let failed = false;

type Root = Page | ReturnType<Page['frameLocator']>;

/**
 * Waits until noVNC in `root` says it is connected, then returns its canvas. `reload` loads
 * noVNC again, and is used only when Chromium cancelled loads with ERR_NETWORK_CHANGED:
 * Chromium on the Docker host sees every container start as a network change (a new veth) and
 * aborts requests in flight, so noVNC's modules can fail to load for reasons outside the hub.
 * Any other failure to connect fails the test.
 */
async function connectedCanvas(
  root: Root,
  traffic: string[],
  mark: number,
  reload: () => Promise<void>,
): Promise<Locator> {
  for (let attempt = 1; ; attempt++) {
    const state = await pollUntil(
      async () => {
        // noVNC's UI marks <html> with noVNC_connected once the RFB session is up.
        if ((await root.locator('html.noVNC_connected').count()) > 0) return 'connected';
        const cancelled = traffic.slice(mark).some((l) => l.includes('ERR_NETWORK_CHANGED'));
        return cancelled ? 'network-changed' : 'waiting';
      },
      (s) => s !== 'waiting',
      'noVNC to connect through the proxy',
      60_000,
    );
    if (state === 'connected') break;
    if (attempt === 3) throw new Error(`noVNC did not load: ${traffic.slice(mark).join('\n')}`);
    console.log(`reloading noVNC (attempt ${attempt + 1}): Chromium reported ERR_NETWORK_CHANGED`);
    mark = traffic.length;
    await reload();
  }
  const canvas = root.locator('#noVNC_container canvas');
  await canvas.waitFor();
  return canvas;
}

/** noVNC's "Connected" banner hides after a moment; screenshots are clearer without it. */
async function statusBannerGone(root: Root): Promise<void> {
  await root.locator('#noVNC_status.noVNC_open').waitFor({ state: 'detached', timeout: 30_000 });
}

/** Waits until the canvas shows the xterm: its background fills most of it, with text on it. */
function xtermDrawn(canvas: Locator, width: number, height: number): Promise<CanvasStats> {
  return pollUntil(
    () => canvasStats(canvas),
    (s) =>
      s.width === width &&
      s.height === height &&
      s.background === XTERM_BACKGROUND &&
      // The prompt's antialiased glyphs and matchbox's title bar: many colours, some pixels.
      s.colours >= 8 &&
      s.foreground >= 500,
    `noVNC's canvas to show the xterm at ${width}x${height}`,
    60_000,
  );
}

async function stopFromCard(page: Page, card: Locator): Promise<void> {
  await card.getByRole('button', { name: `Stop ${UI_NAME}` }).click();
  await page
    .getByRole('dialog', { name: `Stop ${UI_NAME}?` })
    .getByRole('button', { name: 'Stop' })
    .click();
  await card.getByText('Not running').waitFor({ timeout: 60_000 });
}

async function expectNothingLeft(): Promise<void> {
  expect((await admin.json<unknown[]>('/api/v1/admin/containers')).body).toEqual([]);
  await pollUntil(
    () => realmContainers(hub, docker),
    (left) => left.length === 0,
    'no container left in the realm',
  );
}

beforeAll(async () => {
  await Promise.all([ensureFrontendBuilt(), ensureTerminalImage()]);
  hub = await bootHub();
  admin = await hub.loginAs(ADMIN.name, ADMIN.password);
  const reg = await admin.json('/api/v1/admin/applications', {
    method: 'POST',
    json: { image: TERMINAL_IMAGE },
  });
  expect(reg.status).toBe(201);
  expect((await admin.json('/api/v1/admin/users', { method: 'POST', json: USER })).status).toBe(
    201,
  );
  const grant = await admin.json('/api/v1/admin/accounting', {
    method: 'POST',
    json: { user: USER.name, image: TERMINAL_IMAGE, policy: { allow_home: true } },
  });
  expect(grant.status).toBe(201);
  browser = await launchBrowser();
}, 20 * 60_000);

afterEach(async () => {
  // A failed test may leave its desktop running; stop it through the hub, not behind its back.
  if (hub && admin) await stopAllContainers(admin);
});

afterAll(async () => {
  if (hub && failed) await dumpRealmLogs(hub, docker);
  await browser?.close();
  if (hub) await removeRealmContainers(hub, docker);
  await hub?.close();
});

describe('the VNC example desktop through the hub (browser)', () => {
  it('starts the terminal, shows the xterm in noVNC through the proxy, takes keys, and stops', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    const traffic = recordTraffic(context);
    try {
      await logIn(page, USER.name, USER.password);
      const card = page.locator('hub-app-card', { hasText: UI_NAME });
      await card.waitFor();
      expect(await card.getByText('Desktop', { exact: true }).isVisible()).toBe(true);
      expect(await card.getByText('Not running').isVisible()).toBe(true);

      // The image's first preset, 1024x768 (the default is the window's size; this test
      // checks the framebuffer against a known size).
      await card.getByText('Launch options').click();
      await card.getByLabel('Screen size').selectOption('1024x768');
      await card.getByRole('button', { name: 'Start' }).click();
      const open = card.getByRole('link', { name: `Open ${UI_NAME} in a new tab` });
      await open.waitFor({ timeout: 120_000 });
      const href = (await open.getAttribute('href')) ?? '';
      expect(href).toMatch(CONTAINER_PATH);
      // On its own origin the desktop is not framed in the portal: browsers keep cookies and
      // storage (noVNC's settings) from frames of another site, so it opens as a page.
      expect(await card.getByRole('button', { name: `Open ${UI_NAME} in this page` }).count()).toBe(
        0,
      );

      const mark = traffic.length;
      const [tab] = await Promise.all([context.waitForEvent('page'), open.click()]);
      await tab.waitForLoadState();
      expect(tab.url().split('?')[0]).toBe(href);
      const canvas = await connectedCanvas(tab, traffic, mark, async () => {
        await tab.reload();
      });
      const before = await xtermDrawn(canvas, 1024, 768);
      await statusBannerGone(tab);
      await screenshot(tab, 'vnc-desktop');
      await saveFramebuffer(canvas, 'vnc-framebuffer-1024x768');

      // Keys typed in the browser reach the xterm: its text rows change.
      await canvas.click({ position: { x: 200, y: 200 } });
      await tab.keyboard.type('echo typed-through-novnc; ls -la /', { delay: 20 });
      await tab.keyboard.press('Enter');
      const after = await pollUntil(
        () => canvasStats(canvas),
        (s) => s.rows.filter((row, y) => row !== before.rows[y]).length >= 20,
        'the xterm to show the typed command and its output',
      );
      expect(after.background).toBe(XTERM_BACKGROUND);
      expect(after.foreground).toBeGreaterThan(before.foreground);
      await screenshot(tab, 'vnc-desktop-typed');
      await saveFramebuffer(canvas, 'vnc-framebuffer-typed');
      await tab.close();

      await stopFromCard(page, card);
      await expectNothingLeft();
      expect(errors).toEqual([]);
    } catch (err) {
      failed = true;
      console.log(`browser traffic:\n${traffic.join('\n')}`);
      await screenshot(page, 'vnc-failed').catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  });

  it('starts it again with an 800x600 screen and the new size reaches Xvnc and noVNC', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    const traffic = recordTraffic(context);
    try {
      await logIn(page, USER.name, USER.password);
      const card = page.locator('hub-app-card', { hasText: UI_NAME });
      await card.waitFor();
      await card.getByText('Launch options').click();
      await card.getByLabel('Screen size').selectOption('custom');
      await card.getByLabel('Custom size (width x height)').fill('800x600');
      await card.getByRole('button', { name: 'Start' }).click();

      const open = card.getByRole('link', { name: `Open ${UI_NAME} in a new tab` });
      await open.waitFor({ timeout: 120_000 });
      const href = (await open.getAttribute('href')) ?? '';
      const urlId = CONTAINER_PATH.exec(href)?.[1];
      expect(urlId).toBeDefined();

      // The hub handed the size to the container...
      const env = await containerEnv(hub, urlId ?? '', docker);
      expect([env.X11_WIDTH, env.X11_HEIGHT]).toEqual(['800', '600']);
      // ...Xvnc made its framebuffer that size (RFB ServerInit, through the proxy)...
      const user = await hub.loginAs(USER.name, USER.password);
      await user.fetch(href);
      const server = await rfbHandshake(websockifyUrl(href), user.appCookieHeader(href));
      expect(server).toMatchObject({ width: 800, height: 600, name: 'Terminal' });

      // ...and noVNC, opened in a new tab, draws an 800x600 framebuffer.
      const mark = traffic.length;
      const [tab] = await Promise.all([context.waitForEvent('page'), open.click()]);
      await tab.waitForLoadState();
      expect(tab.url().split('?')[0]).toBe(href);
      const canvas = await connectedCanvas(tab, traffic, mark, async () => {
        await tab.reload();
      });
      const stats = await xtermDrawn(canvas, 800, 600);
      expect(stats.colours).toBeGreaterThanOrEqual(8);
      await statusBannerGone(tab);
      await screenshot(tab, 'vnc-desktop-800x600-tab');
      await saveFramebuffer(canvas, 'vnc-framebuffer-800x600');
      await tab.close();

      await stopFromCard(page, card);
      await expectNothingLeft();
      expect(errors).toEqual([]);
    } catch (err) {
      failed = true;
      console.log(`browser traffic:\n${traffic.join('\n')}`);
      await screenshot(page, 'vnc-resize-failed').catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  });
});

describe("the desktop's WebSocket through the proxy (HTTP)", () => {
  it("speaks RFB to the owner's session and refuses another user's or none", async () => {
    try {
      const owner = await hub.loginAs(USER.name, USER.password);
      const apps =
        await owner.json<Array<{ mapping_id: string; image: { ui_name: string } }>>(
          '/api/v1/applications',
        );
      const app = apps.body.find((a) => a.image.ui_name === UI_NAME);
      expect(app).toBeDefined();
      const started = await owner.json<{ url_id: string; url: string }>('/api/v1/containers', {
        method: 'POST',
        json: { mapping_id: app?.mapping_id },
      });
      expect(started.status).toBe(201);
      expect(started.body.url).toMatch(CONTAINER_PATH);
      const url = websockifyUrl(started.body.url);
      // Signed in on the app's origin as a browser is (the hub origin's ticket).
      await owner.fetch(started.body.url);
      const ownerCookie = owner.appCookieHeader(started.body.url);

      const mine = await tryUpgrade(url, ownerCookie);
      expect(mine.status).toBe(101);
      expect(mine.firstBytes).toMatch(/^RFB 003\.00[378]\n$/);
      const server = await rfbHandshake(url, ownerCookie);
      expect(server).toMatchObject({ width: 1024, height: 768, name: 'Terminal' });

      // Another user's session and no session at all: refused before reaching the container
      // (403 or 404 per the proxy's promises), with no RFB byte sent.
      const other = await hub.userClient('mallory');
      await other.fetch(started.body.url);
      for (const cookie of [other.appCookieHeader(started.body.url), other.cookieHeader(), null]) {
        const refused = await tryUpgrade(url, cookie);
        expect([403, 404]).toContain(refused.status);
        expect(refused.firstBytes).toBe('');
      }

      expect(
        (await owner.fetch(`/api/v1/containers/${started.body.url_id}`, { method: 'DELETE' }))
          .status,
      ).toBe(204);
      await expectNothingLeft();
    } catch (err) {
      failed = true;
      throw err;
    }
  });
});
