import Dockerode from 'dockerode';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  ensureFrontendBuilt,
  launchBrowser,
  logIn,
  newPage,
  pageWidth,
  screenshot,
  VIEWPORTS,
  waitUntilLoaded,
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
 * The portal as a demanding user sees it (issue 14), in Chromium against the real hub and
 * Docker: grants of one app told apart, admin forms that say what is wrong next to the field,
 * a crashed app that says why and restarts in one click, the hub's own page in an app tab
 * whose container is gone, and long words that stay inside their boxes.
 */

jest.setTimeout(300_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const USER = { name: 'dora', password: 'dora-password-123' };
const UI_NAME = 'Demo Files';
const DESKTOP_NAME = 'Demo Desktop';
/** What the crashed app "printed" last, and a word too long for any card. */
const LAST_WORDS = 'fatal: the licence server did not answer';
const LONG_WORD = `/srv/${'verylongfoldername'.repeat(12)}`;

let hub: TestHub;
let browser: Browser;
let admin: Client;
let imageRef: string;
let failed = false;

/** The element's content fits its box: nothing sticks out sideways. */
function fitsItsBox(loc: Locator): Promise<boolean> {
  return loc.evaluate(
    (el: { scrollWidth: number; clientWidth: number }) => el.scrollWidth <= el.clientWidth + 1,
  );
}

async function grant(policy: Record<string, unknown>): Promise<string> {
  const res = await admin.json<{ mapping_id: string }>('/api/v1/admin/accounting', {
    method: 'POST',
    json: { user: USER.name, image: imageRef, policy },
  });
  expect(res.status).toBe(201);
  return res.body.mapping_id;
}

async function realmContainer(): Promise<Dockerode.Container> {
  const [c] = await docker.listContainers({
    filters: { label: [`eu.simphony-project.docker.realm=${hub.hub.config.realm}`] },
  });
  expect(c).toBeDefined();
  return docker.getContainer(c.Id);
}

/** Makes the app's process "print" a last line, then kills it from outside (exit code 137). */
async function crash(container: Dockerode.Container): Promise<void> {
  const exec = await container.exec({
    Cmd: ['/bin/busybox', 'sh', '-c', `echo '${LAST_WORDS} ${LONG_WORD}' > /proc/1/fd/1`],
  });
  const stream = await exec.start({});
  await new Promise((resolve) => stream.on('end', resolve).resume());
  await container.kill({ signal: 'SIGKILL' });
}

async function startFromCard(page: Page, card: Locator): Promise<void> {
  await card.getByRole('button', { name: /^Start/ }).click();
  try {
    await card.getByText('Running', { exact: true }).waitFor({ timeout: 120_000 });
  } catch (err) {
    failed = true;
    await screenshot(page, 'demands-start-failed');
    throw err;
  }
}

beforeAll(async () => {
  await ensureFrontendBuilt();
  const web = await buildWebApp(images, 'e2e-demands', UI_NAME);
  imageRef = web.ref;
  hub = await bootHub();
  admin = await hub.loginAs(ADMIN.name, ADMIN.password);
  expect(
    (await admin.json('/api/v1/admin/applications', { method: 'POST', json: { image: web.ref } }))
      .status,
  ).toBe(201);
  expect((await admin.json('/api/v1/admin/users', { method: 'POST', json: USER })).status).toBe(
    201,
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  if (hub && failed) await dumpRealmLogs(hub, docker);
  await browser?.close();
  if (hub) await removeRealmContainers(hub, docker);
  await hub?.close();
  await images.removeAll();
});

afterEach(async () => {
  if (hub) await removeRealmContainers(hub, docker);
});

describe('grants of one app, told apart (1)', () => {
  it('shows each grant’s label, volume, licence and limits on its card, at desktop and phone width', async () => {
    await grant({ allow_home: true, label: 'Teaching' });
    await grant({
      allow_home: false,
      volume_source: '/srv/project-x',
      volume_target: '/data',
      volume_mode: 'rw',
      memory_limit: '2g',
      label: 'Project X data',
    });
    await grant({ allow_home: true, app_license: 'KEY-1', cpu_limit: 2 });
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      const { page, context, errors } = await newPage(browser, { baseURL: hub.url, viewport });
      try {
        await logIn(page, USER.name, USER.password);
        const cards = page.locator('hub-app-card');
        // The first page after boot on a shared, busy machine: generous, not a speed claim.
        await cards.first().waitFor({ timeout: 90_000 });
        expect(await cards.count()).toBe(3);
        const teaching = page.locator('hub-app-card', { hasText: 'Teaching' });
        expect(await teaching.getByText('your workspace').isVisible()).toBe(true);
        const project = page.locator('hub-app-card', { hasText: 'Project X data' });
        expect(await project.getByText('/data read-write').isVisible()).toBe(true);
        expect(await project.getByText('2g memory').isVisible()).toBe(true);
        // The user never sees the host folder behind a volume.
        expect(await project.textContent()).not.toContain('/srv/project-x');
        const licensed = page.locator('hub-app-card', { hasText: 'licence' });
        expect(await licensed.getByText('2 CPU').isVisible()).toBe(true);
        // Screen readers hear which grant a start form belongs to.
        expect(
          await project.getByRole('form', { name: `Start ${UI_NAME} (Project X data)` }).count(),
        ).toBe(1);
        // The search finds a grant by its label.
        await page.getByLabel('Search applications').fill('project x');
        await page.locator('hub-app-card').nth(1).waitFor({ state: 'detached' });
        expect(await page.locator('hub-app-card').count()).toBe(1);
        await page.getByLabel('Search applications').fill('');
        expect(await pageWidth(page)).toBeLessThanOrEqual(viewport.width);
        await screenshot(page, `demands-grants-told-apart-${size}`);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });
});

describe('admin forms (2)', () => {
  it('says what is wrong next to the field, in plain words, before saving', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, ADMIN.name, ADMIN.password, '/hub/admin/users');
      await waitUntilLoaded(page);
      const name = page.getByLabel('User name');
      await name.fill('Bad Name');
      await page.getByLabel('Password', { exact: true }).fill('short');
      await page.getByRole('button', { name: 'Create user' }).click();
      const nameError = page.getByText(/Use 1 to 32 lower-case letters/);
      await nameError.waitFor();
      expect(await name.getAttribute('aria-invalid')).toBe('true');
      // The focus is on the field to fix, and nothing went to the server's banner.
      expect(
        await name.evaluate(
          (el: unknown) =>
            el ===
            (el as { getRootNode(): { activeElement: unknown } }).getRootNode().activeElement,
        ),
      ).toBe(true);
      expect(await page.locator('hub-notice').count()).toBe(0);
      await name.fill('erin');
      await page.getByRole('button', { name: 'Create user' }).click();
      const pwError = page.getByText('Use at least 8 characters, or leave it empty.');
      await pwError.waitFor();
      expect(await page.getByText(/password:/).count()).toBe(0);
      await screenshot(page, 'demands-user-form-errors');

      // A refusal only the server can give (the name is taken) shows in plain words, too.
      await name.fill(USER.name);
      await page.getByLabel('Password', { exact: true }).fill('');
      await page.getByRole('button', { name: 'Create user' }).click();
      const refusal = page.locator('hub-notice .alert.error, .field-error').first();
      await refusal.waitFor();
      expect(await refusal.textContent()).not.toMatch(/^\s*[a-z_]+: /);

      // An unrelated success replaces the old error.
      await name.fill('erin');
      await page.getByRole('button', { name: 'Create user' }).click();
      await page.getByText(/^\s*Created erin\./).waitFor();
      expect(await page.locator('hub-notice .alert.error').count()).toBe(0);
      expect(await page.locator('.field-error').count()).toBe(0);

      await page.goto('/hub/admin/grants');
      await waitUntilLoaded(page);
      await page.getByLabel('User', { exact: true }).selectOption(USER.name);
      await page.getByLabel('Extra volume: host folder').fill('srv/shared');
      await page.getByLabel('Mounted at').fill('/data');
      await page.getByLabel('Memory limit').fill('lots');
      await page.getByRole('button', { name: `Grant to ${USER.name}` }).click();
      await page.getByText('The volume’s host folder must be an absolute path').waitFor();
      expect(await page.getByLabel('Extra volume: host folder').getAttribute('aria-invalid')).toBe(
        'true',
      );
      await page.getByLabel('Extra volume: host folder').fill('/srv/shared');
      await page.getByRole('button', { name: `Grant to ${USER.name}` }).click();
      await page.getByText('Write the memory limit like 512m or 2g.').waitFor();
      await screenshot(page, 'demands-grant-form-errors');
      await page.getByLabel('Memory limit').fill('1g');
      await page.getByLabel('Label (optional)').fill('Shared drive');
      await page.getByRole('button', { name: `Grant to ${USER.name}` }).click();
      await page.getByText(`${USER.name} can now start ${UI_NAME} (Shared drive).`).waitFor();
      // Grants are listed by the app's name, with their label.
      const row = page.locator('tr', { hasText: 'Shared drive' });
      expect(await row.getByRole('rowheader').textContent()).toContain(UI_NAME);
      await screenshot(page, 'demands-grant-created');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('desktop size (5)', () => {
  it('fits the desktop to the window by default and remembers the choice per app', async () => {
    const desktop = await buildWebApp(images, 'e2e-demands-desktop', DESKTOP_NAME, {
      type: 'vncapp',
      env: ['x11-width', 'x11-height'],
    });
    expect(
      (
        await admin.json('/api/v1/admin/applications', {
          method: 'POST',
          json: { image: desktop.ref },
        })
      ).status,
    ).toBe(201);
    const res = await admin.json('/api/v1/admin/accounting', {
      method: 'POST',
      json: { user: USER.name, image: desktop.ref, policy: {} },
    });
    expect(res.status).toBe(201);
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, USER.name, USER.password);
      const card = page.locator('hub-app-card', { hasText: DESKTOP_NAME });
      await card.waitFor();
      await card.getByText('Launch options').click();
      const size = card.getByLabel('Screen size');
      expect(await size.inputValue()).toBe('fit');
      expect(await size.locator('option:checked').textContent()).toMatch(
        /Fit to window \(1280x800\)/,
      );
      await screenshot(page, 'demands-desktop-fit-default');
      await startFromCard(page, card);
      const open = card.getByRole('link', { name: /in a new tab/ });
      const [tab] = await Promise.all([context.waitForEvent('page'), open.click()]);
      await tab.getByRole('heading', { name: WEBAPP_GREETING }).waitFor();
      // The app got the window's size: no scaling, no side bars.
      expect(await tab.textContent('body')).toContain('screen 1280x800');
      await tab.close();

      // Another choice is remembered for this app, across reloads.
      await card.getByRole('button', { name: `Stop ${DESKTOP_NAME}` }).click();
      await page
        .getByRole('dialog', { name: `Stop ${DESKTOP_NAME}?` })
        .getByRole('button', { name: 'Stop' })
        .click();
      await card.getByText('Not running').waitFor({ timeout: 60_000 });
      await card.getByText('Launch options').click();
      await card.getByLabel('Screen size').selectOption('custom');
      await card.getByLabel('Custom size (width x height)').fill('1200x700');
      await page.reload();
      await card.getByText('Launch options').click();
      expect(await card.getByLabel('Screen size').inputValue()).toBe('custom');
      expect(await card.getByLabel('Custom size (width x height)').inputValue()).toBe('1200x700');
      expect(errors).toEqual([]);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      await context.close();
    }
  });
});

describe('admin navigation and live use (7)', () => {
  it('goes from a user to their grants and containers and back, with search and live CPU and memory', async () => {
    const mappingId = await grant({ allow_home: false, label: 'Live stats' });
    const dora = await hub.loginAs(USER.name, USER.password);
    const started = await dora.json('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId },
    });
    expect(started.status).toBe(201);
    const stats = await admin.json<Array<{ cpu_percent: number; memory_bytes: number }>>(
      '/api/v1/admin/containers/stats',
    );
    expect(stats.status).toBe(200);
    expect(stats.body).toHaveLength(1);
    expect(stats.body[0].memory_bytes).toBeGreaterThan(0);

    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, ADMIN.name, ADMIN.password, '/hub/admin');
      const live = page.locator('section', { hasText: 'Running apps, live' });
      const row = live.locator('tbody tr');
      await row.first().waitFor();
      expect(await row.count()).toBe(1);
      expect(await row.getByRole('rowheader').textContent()).toContain(UI_NAME);
      await row.locator('td[data-label="CPU"]', { hasText: '%' }).waitFor();
      expect(await row.locator('td[data-label="Memory"]').textContent()).toMatch(/[KMG]iB/);
      await screenshot(page, 'demands-dashboard-live');

      await page.goto('/hub/admin/users');
      await waitUntilLoaded(page);
      await page.getByLabel('Search users').fill('dor');
      await page.locator('tr[data-user="admin"]').waitFor({ state: 'detached' });
      expect(await page.locator('tbody tr').count()).toBe(1);
      await page.getByRole('link', { name: `Grants of ${USER.name}` }).click();
      await page.waitForURL(`**/hub/admin/grants?user=${USER.name}`);
      await page.getByRole('heading', { name: `Applications of ${USER.name}` }).waitFor();
      await page.getByLabel(`Search the grants of ${USER.name}`).fill('live');
      const grants = page.locator('tbody tr');
      await page.locator('tbody tr', { hasText: 'Teaching' }).waitFor({ state: 'detached' });
      expect(await grants.count()).toBe(1);
      expect(await grants.first().textContent()).toContain(UI_NAME);
      await screenshot(page, 'demands-user-grants');
      await page.getByRole('link', { name: `Running containers of ${USER.name}` }).click();
      await page.waitForURL(`**/hub/admin/containers?q=${USER.name}`);
      const containerRow = page.locator('tbody tr');
      await containerRow.first().waitFor();
      expect(await containerRow.count()).toBe(1);
      expect(await page.getByLabel('Search containers').inputValue()).toBe(USER.name);
      await screenshot(page, 'demands-user-containers');
      await containerRow.getByRole('link', { name: USER.name }).click();
      await page.waitForURL(`**/hub/admin/users?q=${USER.name}`);
      await page.locator(`tr[data-user="${USER.name}"]`).waitFor();
      await page.setViewportSize(VIEWPORTS.phone);
      expect(await pageWidth(page)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('a crashed app (3), its tab (4) and long words (9)', () => {
  it('says why it stopped, restarts in one click, and its tab shows the hub’s own pages', async () => {
    const mappingId = await grant({ allow_home: false, label: 'Crash test' });
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, USER.name, USER.password);
      const card = page.locator(`hub-app-card[data-mapping-id="${mappingId}"]`);
      await card.waitFor();
      await startFromCard(page, card);

      const open = card.getByRole('link', { name: /in a new tab/ });
      const [tab] = await Promise.all([context.waitForEvent('page'), open.click()]);
      await tab.getByRole('heading', { name: WEBAPP_GREETING }).waitFor();
      const appUrl = tab.url();

      await crash(await realmContainer());
      await card.getByText('This app stopped on its own.').waitFor({ timeout: 60_000 });
      await card.getByText(/exit code 137/).waitFor();
      const output = card.getByLabel(`Last output of ${UI_NAME} (Crash test)`);
      await output.waitFor();
      expect(await output.textContent()).toContain(`${WEBAPP_LOG_LINE} ${USER.name}`);
      expect(await output.textContent()).toContain(LAST_WORDS);
      // The long word wraps inside the card instead of running into the next one.
      expect(await fitsItsBox(card.locator('.alert.error'))).toBe(true);
      expect(await pageWidth(page)).toBeLessThanOrEqual(VIEWPORTS.desktop.width);
      await screenshot(page, 'demands-crashed-card');

      // The app's tab, reloaded: the hub's page says what happened and leads back.
      await tab.reload();
      await tab.getByRole('heading', { name: 'This app is not running any more' }).waitFor();
      const again = tab.getByRole('link', { name: 'Start it again' });
      const againHref = (await again.getAttribute('href')) ?? '';
      expect(new URL(againHref).pathname).toBe('/hub/launcher');
      expect(new URL(againHref).searchParams.get('start')).toBe(mappingId);
      await screenshot(tab, 'demands-tab-app-stopped');
      await again.click();
      await tab.waitForURL('**/hub/launcher?start=*');
      const wanted = tab.locator(`hub-app-card[data-mapping-id="${mappingId}"]`);
      await wanted.getByRole('button', { name: `Restart ${UI_NAME} (Crash test)` }).waitFor();
      await screenshot(tab, 'demands-launcher-start-again');
      const hint = tab.locator('hub-launcher-page .alert.info');
      await hint.waitFor();
      expect(await hint.textContent()).toMatch(/is not running\.\s+Press Restart on its card/);
      await tab.close();

      // One click: the dead container goes, a new one answers.
      await card.getByRole('button', { name: `Restart ${UI_NAME} (Crash test)` }).click();
      await card.getByText('Running', { exact: true }).waitFor({ timeout: 120_000 });
      const [, restarted] = await Promise.all([
        card.getByRole('link', { name: /in a new tab/ }).waitFor(),
        admin.json<Array<{ url_id: string; status: string }>>('/api/v1/admin/containers'),
      ]);
      expect(restarted.body.map((c) => c.status)).toEqual(['running']);
      expect(appUrl).not.toContain(restarted.body[0].url_id);
      await screenshot(page, 'demands-restarted');

      // The old address of the removed container: a helpful 404, absolute links to the hub.
      const old = await context.newPage();
      const res = await old.goto(appUrl);
      expect(res?.status()).toBe(404);
      await old.getByRole('heading', { name: 'There is no app at this address' }).waitFor();
      const back = await old
        .getByRole('link', { name: 'Back to the launcher' })
        .getAttribute('href');
      expect(back).toMatch(/^http:\/\/localhost:\d+\/hub\/launcher$/);
      // An address that never existed gets a page that leads back to the launcher, too.
      const never = appUrl.replace(/[0-9a-f]{32}/g, 'f'.repeat(32));
      const other = await context.newPage();
      await other.goto(never);
      const otherBack = other.getByRole('link', { name: 'Back to the launcher' });
      expect(await otherBack.getAttribute('href')).toMatch(
        /^http:\/\/localhost:\d+\/hub\/launcher$/,
      );
      await screenshot(other, 'demands-tab-never-existed');
      await old.setViewportSize(VIEWPORTS.phone);
      expect(await pageWidth(old)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
      await screenshot(old, 'demands-tab-gone-phone');
      expect(errors).toEqual([]);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      await context.close();
    }
  });

  it('shows the audit log in words, with app names, days and pages (6)', async () => {
    // The API pages by id and filters by time and target.
    const all = await admin.json<Array<{ id: number; app: string | null; action: string }>>(
      '/api/v1/admin/audit?limit=1000',
    );
    expect(all.status).toBe(200);
    const died = all.body.find((e) => e.action === 'container.died');
    expect(died?.app).toBe(UI_NAME);
    const page1 = await admin.json<Array<{ id: number }>>('/api/v1/admin/audit?limit=2');
    const page2 = await admin.json<Array<{ id: number }>>(
      `/api/v1/admin/audit?limit=2&before=${page1.body[1].id}`,
    );
    expect(page2.body.map((e) => e.id)).toEqual(all.body.slice(2, 4).map((e) => e.id));
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const none = await admin.json<unknown[]>(`/api/v1/admin/audit?since=${tomorrow}`);
    expect(none.body).toEqual([]);
    const bad = await admin.json<{ error: { message: string } }>(
      '/api/v1/admin/audit?since=monday',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/since: a time like/);

    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, ADMIN.name, ADMIN.password, '/hub/admin/audit?action=container.&limit=2');
      await waitUntilLoaded(page);
      const rows = page.locator('tbody tr');
      expect(await rows.count()).toBe(2);
      const firstPage = await rows.allTextContents();
      await page.getByRole('button', { name: 'Older events' }).click();
      await page.getByText('Page 2').waitFor();
      await rows.first().waitFor();
      expect(await rows.allTextContents()).not.toEqual(firstPage);
      await screenshot(page, 'demands-audit-page-2');
      await page.getByRole('button', { name: 'Newer events' }).click();
      await page.getByText('Page 1').waitFor();
      await page.getByLabel('Action', { exact: true }).fill('container.died');
      await page.getByRole('button', { name: 'Filter' }).click();
      const stopped = page.locator('tr', { hasText: 'An app stopped on its own' }).first();
      await stopped.waitFor();
      expect(await page.locator('table').textContent()).not.toMatch(/[{}]/);
      expect(await stopped.locator('td[data-label="About"]').textContent()).toContain(UI_NAME);
      expect(await stopped.locator('td[data-label="Details"]').textContent()).toMatch(
        new RegExp(`user\\s*${USER.name}`),
      );
      // A day filter: nothing happened tomorrow.
      const day = new Date(Date.now() + 86_400_000);
      const iso = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
      await page.getByLabel('From').fill(iso);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByText('No event matches these filters.').waitFor();
      await page.getByRole('button', { name: 'Clear' }).click();
      await rows.first().waitFor();
      // Addresses stay on one line.
      const addr = page.locator('td[data-label="Address"]').first();
      expect(
        await addr.evaluate(
          (el: { computedStyleMap(): { get(k: string): { toString(): string } } }) =>
            el.computedStyleMap().get('white-space').toString(),
        ),
      ).toBe('nowrap');
      await screenshot(page, 'demands-audit');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps a long word in an error box inside its card', async () => {
    const { page, context } = await newPage(browser, {
      baseURL: hub.url,
      viewport: VIEWPORTS.phone,
    });
    try {
      await logIn(page, ADMIN.name, ADMIN.password, '/hub/admin/images');
      await waitUntilLoaded(page);
      const field = page.getByLabel('Image name');
      await field.fill(`registry.invalid${LONG_WORD}:1`);
      await field.press('Enter');
      const notice = page.locator('hub-notice .alert.error');
      await notice.waitFor();
      await screenshot(page, 'demands-long-word-phone');
      expect(await notice.textContent()).toContain(LONG_WORD.slice(0, 40));
      expect(await fitsItsBox(notice)).toBe(true);
      expect(await pageWidth(page)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
    } finally {
      await context.close();
    }
  });
});
