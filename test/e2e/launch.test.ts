import Dockerode from 'dockerode';
import type { Browser } from 'playwright-core';
import {
  ensureFrontendBuilt,
  launchBrowser,
  newPage,
  pageWidth,
  screenshot,
  VIEWPORTS,
  logIn,
} from '../helpers/browser';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { TestImages } from '../helpers/images';
import {
  buildWebApp,
  dumpRealmLogs,
  removeRealmContainers,
  WEBAPP_GREETING,
  WEBAPP_LOG_LINE,
} from './fixtures';

/**
 * A user's whole round trip in Chromium against the real hub and Docker: start a granted web
 * app from its card, watch it become Running, open it through the proxy in a new tab, look at
 * it from the admin console, then stop it after confirming.
 */

jest.setTimeout(240_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const USER = { name: 'carol', password: 'carol-password-123' };
const UI_NAME = 'Hello Web';
/** A "desktop" app: the same tiny web server, typed vncapp and declaring the X11 variables. */
const DESKTOP_NAME = 'Hello Desktop';

let hub: TestHub;
let browser: Browser;
let admin: Client;
let failed = false;

beforeAll(async () => {
  await ensureFrontendBuilt();
  const web = await buildWebApp(images, 'e2e-web', UI_NAME);
  hub = await bootHub();
  admin = await hub.loginAs(ADMIN.name, ADMIN.password);
  const reg = await admin.json('/api/v1/admin/applications', {
    method: 'POST',
    json: { image: web.ref },
  });
  expect(reg.status).toBe(201);
  const user = await admin.json('/api/v1/admin/users', { method: 'POST', json: USER });
  expect(user.status).toBe(201);
  const grant = await admin.json('/api/v1/admin/accounting', {
    method: 'POST',
    json: { user: USER.name, image: web.ref, policy: { allow_home: false } },
  });
  expect(grant.status).toBe(201);
  const desktop = await buildWebApp(images, 'e2e-desktop', DESKTOP_NAME, {
    type: 'vncapp',
    env: ['x11-width', 'x11-height', 'startupdata'],
  });
  expect(
    (
      await admin.json('/api/v1/admin/applications', {
        method: 'POST',
        json: { image: desktop.ref },
      })
    ).status,
  ).toBe(201);
  const desktopGrant = await admin.json('/api/v1/admin/accounting', {
    method: 'POST',
    json: {
      user: USER.name,
      image: desktop.ref,
      policy: { allow_home: true, allow_startup_data: true },
    },
  });
  expect(desktopGrant.status).toBe(201);
  browser = await launchBrowser();
});

afterAll(async () => {
  if (hub && failed) await dumpRealmLogs(hub, docker);
  await browser?.close();
  if (hub) await removeRealmContainers(hub, docker);
  await hub?.close();
  await images.removeAll();
});

describe('launching a web app from the portal (browser)', () => {
  it('starts the app, opens it through the proxy, shows it to the admin, and stops it', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, USER.name, USER.password);
      const card = page.locator('hub-app-card', { hasText: UI_NAME });
      await card.waitFor();
      expect(await card.getByText('Web', { exact: true }).isVisible()).toBe(true);
      expect(await card.getByText('Not running').isVisible()).toBe(true);
      await screenshot(page, 'launcher-before-start');

      // The progress stream is opened before the start request.
      const progress = page.waitForResponse((r) =>
        r.url().includes('/api/v1/containers/progress/'),
      );
      await card.getByRole('button', { name: 'Start' }).click();
      const stream = await progress;
      expect(stream.status()).toBe(200);
      expect(stream.headers()['content-type']).toMatch(/text\/event-stream/);

      const open = card.getByRole('link', { name: `Open ${UI_NAME} in a new tab` });
      try {
        await open.waitFor({ timeout: 120_000 });
      } catch (err) {
        failed = true;
        await screenshot(page, 'launcher-start-failed');
        throw err;
      }
      expect(await card.getByText('Running', { exact: true }).isVisible()).toBe(true);
      await screenshot(page, 'launcher-running');

      const href = await open.getAttribute('href');
      // The app runs on an origin of its own (DESIGN.md "App origins").
      const port = new URL(hub.url).port;
      expect(href).toMatch(
        new RegExp(
          `^http://([0-9a-f]{32})\\.apps\\.localhost:${port}/user/${USER.name}/containers/\\1/$`,
        ),
      );
      const [tab] = await Promise.all([context.waitForEvent('page'), open.click()]);
      await tab.waitForLoadState();
      expect(tab.url()).toBe(href);
      await tab.getByRole('heading', { name: WEBAPP_GREETING }).waitFor();
      expect(await tab.textContent('body')).toContain(`user ${USER.name}`);
      await screenshot(tab, 'webapp-through-proxy');
      await tab.close();

      // The admin sees the container among everyone's and can read its logs.
      const adminView = await newPage(browser, { baseURL: hub.url });
      try {
        await logIn(adminView.page, ADMIN.name, ADMIN.password);
        await adminView.page.goto('/hub/admin/containers');
        const row = adminView.page.locator('tr', { hasText: USER.name });
        await row.waitFor();
        expect(await row.getByText('Running').isVisible()).toBe(true);
        await screenshot(adminView.page, 'admin-containers');
        await row.getByRole('button', { name: /^Logs of/ }).click();
        const dialog = adminView.page.getByRole('dialog', { name: /Logs:/ });
        await dialog.waitFor();
        const output = dialog.getByLabel('Container output');
        await output.waitFor();
        expect(await output.textContent()).toContain(`${WEBAPP_LOG_LINE} ${USER.name}`);
        await screenshot(adminView.page, 'admin-container-logs');
        await dialog.getByRole('button', { name: 'Close' }).click();
        await dialog.waitFor({ state: 'detached' });

        await adminView.page.goto('/hub/admin');
        await adminView.page.getByText('Running containers').waitFor();
        await screenshot(adminView.page, 'admin-dashboard-running');
      } finally {
        await adminView.context.close();
      }

      // Stop asks first; Cancel keeps the app running.
      await card.getByRole('button', { name: `Stop ${UI_NAME}` }).click();
      const confirm = page.getByRole('dialog', { name: `Stop ${UI_NAME}?` });
      await confirm.waitFor();
      await screenshot(page, 'launcher-stop-confirm');
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      expect(await card.getByText('Running', { exact: true }).isVisible()).toBe(true);

      await card.getByRole('button', { name: `Stop ${UI_NAME}` }).click();
      await page
        .getByRole('dialog', { name: `Stop ${UI_NAME}?` })
        .getByRole('button', { name: 'Stop' })
        .click();
      await card.getByText('Not running').waitFor({ timeout: 60_000 });
      expect(await card.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true);
      await screenshot(page, 'launcher-after-stop');

      const mine = await admin.json<unknown[]>('/api/v1/admin/containers');
      expect(mine.body).toEqual([]);
      const left = await docker.listContainers({
        all: true,
        filters: { label: [`eu.simphony-project.docker.realm=${hub.hub.config.realm}`] },
      });
      expect(left).toEqual([]);
      expect(errors).toEqual([]);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      await context.close();
    }
  });

  it('starts a desktop app with the chosen screen size and startup file, and embeds it', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, USER.name, USER.password);
      const card = page.locator('hub-app-card', { hasText: DESKTOP_NAME });
      await card.waitFor();
      expect(await card.getByText('Desktop', { exact: true }).isVisible()).toBe(true);

      await card.getByText('Launch options').click();
      const size = card.getByLabel('Screen size');
      // "Fit to window" names the size it computed from this 1280x800 window.
      expect(await size.locator('option[value="fit"]').textContent()).toMatch(
        /Fit to window \(1280x800\)/,
      );
      await size.selectOption('custom');
      await card.getByLabel('Custom size (width x height)').fill('100x100');
      await card.getByRole('button', { name: 'Start' }).click();
      await card.getByText('Screen size: the width must be at least 320.').waitFor();
      await card.getByLabel('Custom size (width x height)').fill('1200x700');
      await card.getByLabel('Startup file (optional)').fill('/workspace/notes.txt');
      await screenshot(page, 'launcher-desktop-options');
      await card.getByRole('button', { name: 'Start' }).click();

      const open = card.getByRole('link', { name: `Open ${DESKTOP_NAME} in a new tab` });
      try {
        await open.waitFor({ timeout: 120_000 });
      } catch (err) {
        failed = true;
        throw err;
      }
      // On its own origin a desktop is not framed in the portal (browsers keep cookies and
      // storage from frames of another site): it opens as a page of its own.
      expect(
        await card.getByRole('button', { name: `Open ${DESKTOP_NAME} in this page` }).count(),
      ).toBe(0);
      const [tab] = await Promise.all([context.waitForEvent('page'), open.click()]);
      await tab.getByRole('heading', { name: WEBAPP_GREETING }).waitFor();
      expect(await tab.locator('body').textContent()).toContain('screen 1200x700');
      expect(await tab.locator('body').textContent()).toContain('startup /workspace/notes.txt');
      await screenshot(tab, 'launcher-desktop-tab');
      await tab.close();

      await card.getByRole('button', { name: `Stop ${DESKTOP_NAME}` }).click();
      await page
        .getByRole('dialog', { name: `Stop ${DESKTOP_NAME}?` })
        .getByRole('button', { name: 'Stop' })
        .click();
      await card.getByText('Not running').waitFor({ timeout: 60_000 });
      expect(errors).toEqual([]);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      await context.close();
    }
  });

  it('fits the launcher on a phone screen', async () => {
    const { page, context } = await newPage(browser, {
      baseURL: hub.url,
      viewport: VIEWPORTS.phone,
    });
    try {
      await logIn(page, USER.name, USER.password);
      const card = page.locator('hub-app-card', { hasText: UI_NAME });
      await card.waitFor();
      // Nothing scrolls sideways: the page is no wider than the phone.
      const width = await pageWidth(page);
      expect(width).toBeLessThanOrEqual(VIEWPORTS.phone.width);
      await screenshot(page, 'launcher-phone');
    } finally {
      await context.close();
    }
  });
});
