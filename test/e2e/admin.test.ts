import Dockerode from 'dockerode';
import type { Browser, Page } from 'playwright-core';
import {
  ensureFrontendBuilt,
  launchBrowser,
  newPage,
  pageWidth,
  screenshot,
  VIEWPORTS,
  logIn,
  waitUntilLoaded,
} from '../helpers/browser';
import { ADMIN, bootHub, type TestHub } from '../helpers/hub';
import { TestImages } from '../helpers/images';
import { buildWebApp, removeRealmContainers } from './fixtures';

/**
 * The admin console in Chromium against the real hub: register a discovered image and an
 * unlabelled one ("register anyway"), create a user, grant the image, and see the user find it
 * in their launcher; then reset a password, disable and delete a user. Every page is
 * screenshotted at desktop and phone width.
 */

jest.setTimeout(240_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const UI_NAME = 'Catalogue Web';
const USER = { name: 'dave', password: 'dave-password-123' };

let hub: TestHub;
let browser: Browser;
let labelled: { ref: string };
let unlabelled: { ref: string };

/** The catalogue learns of new images from Docker events: reload until the card is there. */
async function waitForDiscovered(page: Page, ref: string): Promise<void> {
  const card = page.locator(`article[data-image="${ref}"]`);
  for (let attempt = 0; attempt < 60; attempt++) {
    await page.getByRole('heading', { name: 'Discovered on the Docker host' }).waitFor();
    await page.getByRole('button', { name: 'Refresh' }).click();
    try {
      await card.waitFor({ timeout: 1000 });
      return;
    } catch {
      // not discovered yet
    }
  }
  throw new Error(`the images page never listed ${ref}`);
}

beforeAll(async () => {
  await ensureFrontendBuilt();
  labelled = await buildWebApp(images, 'e2e-catalogue', UI_NAME);
  unlabelled = await images.build('e2e-plain');
  hub = await bootHub();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  if (hub) await removeRealmContainers(hub, docker);
  await hub?.close();
  await images.removeAll();
});

describe('admin console (browser)', () => {
  it('registers an image, creates a user, grants it, and the user then sees it', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, ADMIN.name, ADMIN.password, '/hub/admin');
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await page.getByText('Registered images').waitFor();
      await screenshot(page, 'admin-dashboard');

      // A discovered, labelled image: parsed labels shown, registered with one click.
      await page.getByRole('link', { name: 'Images', exact: true }).click();
      await page.waitForURL('**/hub/admin/images');
      await waitForDiscovered(page, labelled.ref);
      const found = page.locator(`article[data-image="${labelled.ref}"]`);
      expect(await found.getByRole('heading', { name: UI_NAME }).isVisible()).toBe(true);
      expect(await found.getByText('Not registered').isVisible()).toBe(true);
      await found.getByRole('button', { name: `Register ${labelled.ref}` }).click();
      await page.getByText(`Registered ${labelled.ref}.`).waitFor();
      await page.locator(`tr[data-image="${labelled.ref}"]`).waitFor();
      expect(await found.getByText('Registered', { exact: true }).isVisible()).toBe(true);

      // An image without the hub's labels is refused first, then registered anyway.
      await page.getByLabel('Image name').fill(unlabelled.ref);
      await page.getByLabel('Image name').press('Enter');
      const anyway = page.getByRole('button', { name: `Register ${unlabelled.ref} anyway` });
      await anyway.waitFor();
      expect(await page.getByRole('alert').textContent()).toContain(
        `Could not register ${unlabelled.ref}`,
      );
      await screenshot(page, 'admin-images-register-anyway');
      await anyway.click();
      await page.locator(`tr[data-image="${unlabelled.ref}"]`).waitFor();
      await screenshot(page, 'admin-images');

      // A new user.
      await page.getByRole('link', { name: 'Users', exact: true }).click();
      await page.getByLabel('User name').fill(USER.name);
      await page.getByLabel('Password', { exact: true }).fill(USER.password);
      await page.getByRole('button', { name: 'Create user' }).click();
      await page.getByText(`Created ${USER.name}.`).waitFor();
      await page.locator(`tr[data-user="${USER.name}"]`).waitFor();
      await screenshot(page, 'admin-users');

      // A grant with a policy.
      await page.getByRole('link', { name: 'Grants', exact: true }).click();
      await page.getByLabel('User', { exact: true }).selectOption(USER.name);
      await page.getByLabel('Image', { exact: true }).selectOption(labelled.ref);
      await page.getByLabel('Memory limit').fill('256m');
      await page.getByRole('button', { name: `Grant to ${USER.name}` }).click();
      // Named as the user sees it, the app's name; the row still shows the image reference.
      await page.getByText(`${USER.name} can now start ${UI_NAME}.`).waitFor();
      const grantRow = page.locator('tr', { hasText: labelled.ref });
      await grantRow.waitFor();
      expect(await grantRow.textContent()).toContain('256m memory');
      await screenshot(page, 'admin-grants');
      // Each user's grants are fetched on their own: another user's list does not hold it.
      await page.getByLabel('User', { exact: true }).selectOption(ADMIN.name);
      await page.getByRole('heading', { name: `Applications of ${ADMIN.name}` }).waitFor();
      await waitUntilLoaded(page);
      expect(await page.locator('tr', { hasText: labelled.ref }).count()).toBe(0);
      await page.getByLabel('User', { exact: true }).selectOption(USER.name);
      await grantRow.waitFor();

      // The audit log shows what just happened, filtered by action.
      await page.getByRole('link', { name: 'Audit log', exact: true }).click();
      await page.getByLabel('Action', { exact: true }).fill('user.');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL('**/hub/admin/audit?action=user.');
      await page.locator('tr', { hasText: USER.name }).first().waitFor();
      await screenshot(page, 'admin-audit');

      await page.getByRole('link', { name: 'Containers', exact: true }).click();
      await page.getByText('No container is running.').waitFor();
      await screenshot(page, 'admin-containers-empty');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }

    // The user logs in and finds the granted app; no admin link for them.
    const user = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(user.page, USER.name, USER.password);
      const card = user.page.locator('hub-app-card', { hasText: UI_NAME });
      await card.waitFor();
      expect(await card.getByText('Web', { exact: true }).isVisible()).toBe(true);
      expect(await user.page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
      await user.page.getByLabel('Search applications').fill('no such thing');
      await user.page.getByText('No application matches').waitFor();
      await user.page.getByLabel('Search applications').fill('catalogue');
      await card.waitFor();
      await screenshot(user.page, 'launcher-granted');

      await user.page.goto('/hub/admin/users');
      await user.page.getByRole('alert').filter({ hasText: 'Admins only' }).waitFor();
      await screenshot(user.page, 'admin-refused-to-user');
    } finally {
      await user.context.close();
    }
  });

  it('resets a password, disables and deletes a user after confirmation', async () => {
    const name = 'erin';
    const admin = await hub.loginAs(ADMIN.name, ADMIN.password);
    const made = await admin.json('/api/v1/admin/users', {
      method: 'POST',
      json: { name, password: 'erin-first-password' },
    });
    expect(made.status).toBe(201);

    const { page, context } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, ADMIN.name, ADMIN.password, '/hub/admin/users');
      const row = page.locator(`tr[data-user="${name}"]`);
      await row.waitFor();

      await row.getByRole('button', { name: 'Reset password' }).click();
      const pwDialog = page.getByRole('dialog', { name: `Reset the password of ${name}` });
      await pwDialog.getByLabel('New password').fill('erin-second-password');
      await screenshot(page, 'admin-users-reset-password');
      await pwDialog.getByRole('button', { name: 'Set password' }).click();
      await page.getByText(`Set a new password for ${name}.`).waitFor();
      expect((await hub.client().login(name, 'erin-second-password')).status).toBe(200);
      expect((await hub.client().login(name, 'erin-first-password')).status).toBe(401);

      await row.getByRole('button', { name: 'Disable' }).click();
      await page.getByText(`Disabled ${name}`).waitFor();
      await row.getByText('Disabled', { exact: true }).waitFor();
      expect((await hub.client().login(name, 'erin-second-password')).status).toBe(401);

      await row.getByRole('button', { name: `Delete ${name}` }).click();
      const confirm = page.getByRole('dialog', { name: `Delete ${name}?` });
      await confirm.waitFor();
      await screenshot(page, 'admin-users-delete-confirm');
      await confirm.getByRole('button', { name: 'Delete user' }).click();
      await page.getByText(`Deleted ${name}.`).waitFor();
      await row.waitFor({ state: 'detached' });
      const list = await admin.json<Array<{ name: string }>>('/api/v1/admin/users');
      expect(list.body.map((u) => u.name)).not.toContain(name);
    } finally {
      await context.close();
    }
  });

  it('keeps every admin page usable at phone width', async () => {
    const { page, context } = await newPage(browser, {
      baseURL: hub.url,
      viewport: VIEWPORTS.phone,
    });
    try {
      await logIn(page, ADMIN.name, ADMIN.password, '/hub/admin');
      for (const [path, heading] of [
        ['/hub/admin', 'Dashboard'],
        ['/hub/admin/users', 'Users'],
        ['/hub/admin/images', 'Images'],
        ['/hub/admin/grants', 'Grants'],
        ['/hub/admin/containers', 'Running containers'],
        ['/hub/admin/audit', 'Audit log'],
      ]) {
        await page.goto(path);
        await page.getByRole('heading', { name: heading, exact: true, level: 1 }).waitFor();
        await waitUntilLoaded(page);
        const width = await pageWidth(page);
        expect({ path, width }).toEqual({ path, width: VIEWPORTS.phone.width });
        await screenshot(page, `phone${path.replace(/\//g, '-')}`);
      }
    } finally {
      await context.close();
    }
  });
});
