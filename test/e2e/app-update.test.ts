import Dockerode from 'dockerode';
import type { Browser } from 'playwright-core';
import { ensureFrontendBuilt, launchBrowser, logIn, newPage, screenshot } from '../helpers/browser';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { TestImages } from '../helpers/images';
import { buildWebApp, removeRealmContainers } from './fixtures';

/**
 * An admin rebuilt the image of a running app: its card in the launcher says "Update
 * available" and one click restarts it onto the new image.
 */

jest.setTimeout(240_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const USER = { name: 'dora', password: 'dora-password-123' };
const UI_NAME = 'Updatable';

let hub: TestHub;
let browser: Browser;
let dora: Client;
let v1 = { ref: '', id: '' };
let v2 = '';

async function mine(): Promise<Array<{ url_id: string; update_available?: boolean }>> {
  return (
    await dora.json<Array<{ url_id: string; update_available?: boolean }>>('/api/v1/containers')
  ).body;
}

beforeAll(async () => {
  await ensureFrontendBuilt();
  v1 = await buildWebApp(images, 'e2e-update', UI_NAME);
  hub = await bootHub();
  const admin = await hub.loginAs(ADMIN.name, ADMIN.password);
  expect(
    (await admin.json('/api/v1/admin/applications', { method: 'POST', json: { image: v1.ref } }))
      .status,
  ).toBe(201);
  expect((await admin.json('/api/v1/admin/users', { method: 'POST', json: USER })).status).toBe(
    201,
  );
  const grant = await admin.json<{ mapping_id: string }>('/api/v1/admin/accounting', {
    method: 'POST',
    json: { user: USER.name, image: v1.ref, policy: {} },
  });
  dora = await hub.loginAs(USER.name, USER.password);
  const started = await dora.json('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: grant.body.mapping_id },
  });
  expect(started.status).toBe(201);
  // The same tag, another image (one more declared variable changes its labels).
  v2 = (await buildWebApp(images, 'e2e-update', UI_NAME, { env: ['startupdata'] })).id;
  expect(v2).not.toBe(v1.id);
  const end = Date.now() + 60_000;
  while (!(await mine()).some((c) => c.update_available) && Date.now() < end)
    await new Promise((r) => setTimeout(r, 200));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  if (hub) await removeRealmContainers(hub, docker);
  await hub?.close();
  await images.removeAll();
});

it('shows the update badge on the card and restarts onto the new image', async () => {
  const { page, context } = await newPage(browser, { baseURL: hub.url });
  try {
    await logIn(page, USER.name, USER.password);
    const card = page.locator('hub-app-card', { hasText: UI_NAME });
    await card.getByText('Update available', { exact: true }).waitFor();
    expect(await card.getByText('restart to update').isVisible()).toBe(true);
    await screenshot(page, 'launcher-update-available');

    await card.getByRole('button', { name: `Restart ${UI_NAME} to update` }).click();
    await card.getByRole('link', { name: `Open ${UI_NAME} in a new tab` }).waitFor();
    await card.getByText('Update available', { exact: true }).waitFor({ state: 'detached' });
    await screenshot(page, 'launcher-updated');
    const [running] = await mine();
    const [c] = await docker.listContainers({
      filters: { label: [`eu.simphony-project.docker.url_id=${running.url_id}`] },
    });
    expect(c.ImageID).toBe(v2);
  } finally {
    await context.close();
  }
});

it('lists the old build among the unused images for the admin, and asks before removing', async () => {
  const { page, context } = await newPage(browser, { baseURL: hub.url });
  try {
    await logIn(page, ADMIN.name, ADMIN.password);
    await page.goto('/hub/admin/images');
    await page.getByRole('button', { name: 'List unused images' }).click();
    const list = page.getByRole('list', { name: 'Unused images' });
    // The old build lost its tag to the update and its container to the restart.
    await list.getByText(v1.id.slice(7, 19)).waitFor();
    await page.getByRole('button', { name: /^Remove these \d+ images$/ }).click();
    const confirm = page.getByRole('dialog', { name: /^Remove \d+ unused images?\?$/ });
    await confirm
      .getByRole('list', { name: 'What would go' })
      .getByText(v1.id.slice(7, 19))
      .waitFor();
    await screenshot(page, 'admin-unused-images-confirm');
    // Cancelled: the engine is shared, and the list may hold other suites' images.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect((await docker.getImage(v1.id).inspect()).Id).toBe(v1.id);
  } finally {
    await context.close();
  }
});
