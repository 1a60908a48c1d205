import Dockerode from 'dockerode';
import type { Browser, Locator, Page } from 'playwright-core';
import { ensureFrontendBuilt, launchBrowser, logIn, newPage, screenshot } from '../helpers/browser';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { dumpRealmLogs, removeRealmContainers } from './fixtures';
import {
  canvasStats,
  ensureTerminalImage,
  pollUntil,
  realmContainers,
  recordTraffic,
  stopAllContainers,
  TERMINAL_IMAGE,
} from './vnc-fixtures';

/**
 * A view share of the real VNC desktop (images/terminal) in Chromium: the owner types and the
 * viewer sees it; the viewer, on a page that sends keys (noVNC without view_only, as a
 * modified page would), types and nothing reaches the desktop; revoking disconnects the viewer.
 * Whether a key arrived is read from the container itself: the typed commands create files.
 */
jest.setTimeout(300_000);

const docker = new Dockerode();
const OWNER = { name: 'olga', password: 'olga-password-123' };
const VIEWER = { name: 'vera', password: 'vera-password-123' };

let hub: TestHub;
let browser: Browser;
let admin: Client;
let owner: Client;
let failed = false;

/**
 * noVNC connected in `page`. One reload is allowed: Chromium on the Docker host sees container
 * starts as network changes and may abort noVNC's module loads (see vnc.test.ts).
 */
async function connected(page: Page): Promise<Locator> {
  const up = () =>
    pollUntil(
      () => page.locator('html.noVNC_connected').count(),
      (n) => n > 0,
      'noVNC to connect',
      45_000,
    );
  try {
    await up();
  } catch {
    console.log('reloading noVNC once: it did not connect');
    await page.reload();
    await up();
  }
  const canvas = page.locator('#noVNC_container canvas');
  await canvas.waitFor();
  return canvas;
}

/** True when `path` exists in the container (the xterm ran a command the test typed). */
async function fileExists(containerId: string, path: string): Promise<boolean> {
  const exec = await docker
    .getContainer(containerId)
    .exec({ Cmd: ['test', '-e', path], AttachStdout: false, AttachStderr: false });
  await exec.start({ Detach: true });
  const info = await pollUntil(
    () => exec.inspect(),
    (i) => !i.Running,
    `test -e ${path} to finish`,
  );
  return info.ExitCode === 0;
}

beforeAll(async () => {
  await Promise.all([ensureFrontendBuilt(), ensureTerminalImage()]);
  hub = await bootHub();
  admin = await hub.loginAs(ADMIN.name, ADMIN.password);
  expect(
    (
      await admin.json('/api/v1/admin/applications', {
        method: 'POST',
        json: { image: TERMINAL_IMAGE },
      })
    ).status,
  ).toBe(201);
  for (const u of [OWNER, VIEWER])
    expect((await admin.json('/api/v1/admin/users', { method: 'POST', json: u })).status).toBe(201);
  const grant = await admin.json('/api/v1/admin/accounting', {
    method: 'POST',
    json: { user: OWNER.name, image: TERMINAL_IMAGE, policy: { allow_view: true } },
  });
  expect(grant.status).toBe(201);
  owner = await hub.loginAs(OWNER.name, OWNER.password);
  browser = await launchBrowser();
}, 20 * 60_000);

afterAll(async () => {
  if (hub && failed) await dumpRealmLogs(hub, docker);
  if (hub && admin) await stopAllContainers(admin);
  await browser?.close();
  if (hub) await removeRealmContainers(hub, docker);
  await hub?.close();
});

it('the viewer sees the owner type, cannot type itself, and is cut off by revoking', async () => {
  const apps = await owner.json<Array<{ mapping_id: string }>>('/api/v1/applications');
  const started = await owner.json<{ url_id: string; url: string }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: apps.body[0].mapping_id },
  });
  expect(started.status).toBe(201);
  const [container] = await realmContainers(hub, docker);
  const made = await owner.json<{ id: string; url: string }>(
    `/api/v1/containers/${started.body.url_id}/shares`,
    { method: 'POST', json: { mode: 'view', user: VIEWER.name } },
  );
  expect(made.status).toBe(201);

  const o = await newPage(browser, { baseURL: hub.url });
  const v = await newPage(browser, { baseURL: hub.url });
  const traffic = recordTraffic(v.context);
  const ownerTraffic = recordTraffic(o.context);
  try {
    await logIn(o.page, OWNER.name, OWNER.password);
    await o.page.goto(`${hub.url}${new URL(started.body.url).pathname}`);
    const ownerCanvas = await connected(o.page);

    await logIn(v.page, VIEWER.name, VIEWER.password);
    await v.page.goto(made.body.url);
    expect(new URL(v.page.url()).host).toBe(new URL(started.body.url).host);
    let viewerCanvas = await connected(v.page);

    // The owner types; the viewer's picture changes with it.
    const before = await canvasStats(viewerCanvas);
    await ownerCanvas.click({ position: { x: 200, y: 200 } });
    await o.page.keyboard.type('touch /tmp/owner-typed; echo shared-typing-visible', {
      delay: 20,
    });
    await o.page.keyboard.press('Enter');
    await pollUntil(
      () => fileExists(container.Id, '/tmp/owner-typed'),
      (x) => x,
      "the owner's command to run",
    );
    await pollUntil(
      () => canvasStats(viewerCanvas),
      (s) => s.rows.filter((row, y) => row !== before.rows[y]).length >= 10,
      "the viewer's canvas to show what the owner typed",
    );
    await screenshot(v.page, 'share-viewer-sees-owner');

    // A viewer page that sends input (noVNC told view_only=false, as a modified page would):
    // its key events leave the browser, and the hub drops them.
    const sent: Buffer[] = [];
    v.page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        if (typeof f.payload !== 'string') sent.push(f.payload);
      }),
    );
    await v.page.goto(`${new URL(started.body.url).href}?view_only=false`);
    viewerCanvas = await connected(v.page);
    await viewerCanvas.click({ position: { x: 200, y: 200 } });
    await v.page.keyboard.type('touch /tmp/viewer-typed', { delay: 20 });
    await v.page.keyboard.press('Enter');
    // Then the owner types: once the owner's second command ran, the viewer's (sent first)
    // would have too.
    await ownerCanvas.click({ position: { x: 200, y: 200 } });
    await o.page.keyboard.type('touch /tmp/owner-typed-again', { delay: 20 });
    await o.page.keyboard.press('Enter');
    await pollUntil(
      () => fileExists(container.Id, '/tmp/owner-typed-again'),
      (x) => x,
      "the owner's second command to run",
    );
    expect(await fileExists(container.Id, '/tmp/viewer-typed')).toBe(false);
    // The viewer's page did send keys: RFB KeyEvent (4) or, as noVNC prefers when the server
    // offers it, QEMU's extended key event (255, subtype 0).
    expect(sent.some((p) => p[0] === 4 || (p[0] === 255 && p[1] === 0))).toBe(true);

    // Revoking disconnects the viewer (noVNC's reconnects are refused too).
    const revoked = await owner.fetch(
      `/api/v1/containers/${started.body.url_id}/shares/${made.body.id}`,
      { method: 'DELETE' },
    );
    expect(revoked.status).toBe(204);
    await pollUntil(
      () => v.page.locator('html.noVNC_connected').count(),
      (n) => n === 0,
      'the viewer to be disconnected',
      30_000,
    );
    await screenshot(v.page, 'share-viewer-revoked');
    expect(await o.page.locator('html.noVNC_connected').count()).toBe(1);
  } catch (err) {
    failed = true;
    console.log(
      `owner traffic:\n${ownerTraffic.join('\n')}\nviewer traffic:\n${traffic.join('\n')}`,
    );
    throw err;
  } finally {
    await o.context.close();
    await v.context.close();
  }
});

it('the owner shares through the dialog, sees the viewer, and revokes the link', async () => {
  const apps =
    await owner.json<Array<{ mapping_id: string; image: { ui_name: string } }>>(
      '/api/v1/applications',
    );
  // Joins the container of the test above when it is still running, else starts one.
  const started = await owner.json<{ url_id: string; url: string }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: apps.body[0].mapping_id },
  });
  expect([200, 201]).toContain(started.status);
  const appName = apps.body[0].image.ui_name;

  const o = await newPage(browser, { baseURL: hub.url });
  const v = await newPage(browser, { baseURL: hub.url });
  const traffic = recordTraffic(v.context);
  try {
    await logIn(o.page, OWNER.name, OWNER.password);
    const shareButton = o.page.getByRole('button', { name: `Share ${appName}` });
    // One reload allowed: container starts on this host abort module loads (see connected()).
    await shareButton.waitFor({ timeout: 30_000 }).catch(async () => {
      console.log('reloading the launcher once: no Share button');
      await o.page.reload();
      await shareButton.waitFor();
    });
    await shareButton.click();
    const dialog = o.page.getByRole('dialog', { name: `Share ${appName}` });
    await dialog.waitFor();
    // A desktop app: view only is offered, and chosen first.
    expect(await dialog.getByRole('radio', { name: 'Only watch (view)' }).isChecked()).toBe(true);
    await dialog.getByLabel('User name').fill(VIEWER.name);
    await dialog.getByLabel('Link works for').selectOption({ label: '15 minutes' });
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const linkBox = dialog.getByRole('textbox', { name: 'Share link', exact: true });
    await linkBox.waitFor();
    const link = await linkBox.inputValue();
    expect(link).toMatch(/\/share\/[0-9a-f]{32}$/);
    // The link just made, among any the test above left live.
    const listed = dialog.locator(`li[data-share="${link.split('/').pop()}"]`);
    await listed.waitFor();
    expect(await listed.innerText()).toContain(`View only for ${VIEWER.name}`);
    await screenshot(o.page, 'share-dialog-created');

    // The viewer opens the link; the owner's list shows them connected.
    await logIn(v.page, VIEWER.name, VIEWER.password);
    await v.page.goto(link);
    await connected(v.page);
    const connectedLine = listed.getByTestId('share-connected');
    await pollUntil(
      () => connectedLine.innerText(),
      (t) => t.includes(`Connected now: ${VIEWER.name}`),
      'the owner to see the viewer connected',
      30_000,
    );
    await screenshot(o.page, 'share-dialog-viewer-connected');

    // Revoke from the dialog: the viewer is cut off, and the link now explains why.
    await listed
      .first()
      .getByRole('button', { name: `Revoke the link for ${VIEWER.name}` })
      .click();
    await pollUntil(
      () => v.page.locator('html.noVNC_connected').count(),
      (n) => n === 0,
      'the viewer to be disconnected',
      30_000,
    );
    await listed.waitFor({ state: 'detached' });
    await v.page.goto(link);
    const problem = v.page.getByTestId('share-problem');
    await problem.waitFor();
    expect(await problem.getAttribute('data-code')).toBe('share_revoked');
    expect(await v.page.getByRole('heading', { level: 1 }).innerText()).toBe(
      'This share link was revoked',
    );
    await screenshot(v.page, 'share-link-revoked-page');
    await v.page.getByRole('link', { name: 'Back to your applications' }).click();
    await v.page.waitForURL(`${hub.url}/**`);
  } catch (err) {
    failed = true;
    console.log(`viewer traffic:\n${traffic.join('\n')}`);
    throw err;
  } finally {
    await o.context.close();
    await v.context.close();
  }
});
