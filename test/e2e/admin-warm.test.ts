import crypto from 'node:crypto';
import Dockerode from 'dockerode';
import type { Browser } from 'playwright-core';
import { ensureFrontendBuilt, launchBrowser, logIn, newPage, screenshot } from '../helpers/browser';
import { ADMIN, bootHub, type TestHub } from '../helpers/hub';
import { TestImages } from '../helpers/images';
import { cleanupRealm, grantApp } from '../integration/spawner-fixtures';
import { buildWebApp } from './fixtures';

/**
 * Warm containers in the admin console, in Chromium against the real hub and engine: the app a
 * user's sign-in started ahead of their click shows in the admin container list with a Warm
 * badge and no activity, and the admin stops it there like any other container.
 */

jest.setTimeout(240_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `e2e-warm-${run}`;
const NETWORK = `hub-test-net-${run}`;
const USER = { name: 'wanda', password: 'wanda-password-123' };

let hub: TestHub;
let browser: Browser;
let app: { ref: string };

beforeAll(async () => {
  await ensureFrontendBuilt();
  app = await buildWebApp(images, 'e2e-warm', 'Warm Web');
  hub = await bootHub(
    {
      spawner: {
        network: NETWORK,
        warm_start: { enabled: true, min_launches: 1, history_days: 14, ttl_seconds: 600 },
      },
    },
    { env: { HUB_REALM: REALM } },
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
});

it('lists a warm container with its badge, and the admin stops it', async () => {
  const admin = await hub.loginAs(ADMIN.name, ADMIN.password);
  const user = await hub.userClient(USER.name, USER.password);
  const mappingId = await grantApp(admin, USER.name, app.ref);
  // One start and stop: the launch history a sign-in's prediction reads.
  const started = await user.json<{ url_id: string }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: mappingId },
  });
  expect(started.status).toBe(201);
  await user.fetch(`/api/v1/containers/${started.body.url_id}`, { method: 'DELETE' });
  await hub.loginAs(USER.name, USER.password);
  await hub.hub.containers.warmSettled();
  const [warm] = hub.hub.containers.warmContainers();
  expect(warm).toEqual(expect.objectContaining({ user: USER.name, ready: true }));

  const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
  try {
    await logIn(page, ADMIN.name, ADMIN.password, '/hub/admin/containers');
    const row = page.locator(`tr[data-url-id="${warm.url_id}"]`);
    await row.waitFor();
    expect(await row.locator('[data-warm]').textContent()).toContain('Warm');
    expect(await row.getByText('not opened yet').isVisible()).toBe(true);
    await screenshot(page, 'admin-containers-warm');

    await row.getByRole('button', { name: `Stop ${USER.name}'s ${app.ref}` }).click();
    const confirm = page.getByRole('dialog', { name: `Stop ${USER.name}'s warm ${app.ref}?` });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Stop' }).click();
    await page.getByText(`Stopped ${USER.name}'s ${app.ref}.`).waitFor();
    await page.getByText('No container is running.').waitFor();
    expect(hub.hub.containers.warmContainers()).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});
