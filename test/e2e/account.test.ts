import type { Browser } from 'playwright-core';
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
import { bootHub, type TestHub } from '../helpers/hub';

/**
 * A user's own account page in Chromium against the real hub: an API token made there works
 * for the REST API and stops working once revoked there; a password change logs out, revokes
 * the tokens (the default), and the new password logs in.
 */
describe('account page (browser)', () => {
  const USER = { name: 'erin', password: 'erin-password-123' };
  let hub: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    await ensureFrontendBuilt();
    hub = await bootHub();
    await hub.userClient(USER.name, USER.password);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  const meWith = (token: string) =>
    fetch(`${hub.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });

  it('creates an API token shown once, which works until it is revoked', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, USER.name, USER.password);
      await page.getByRole('link', { name: 'Account' }).click();
      await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
      await waitUntilLoaded(page);
      expect(await page.getByText('You have no API token.').isVisible()).toBe(true);

      await page.getByLabel('Note').fill('nightly backup');
      await page.getByLabel('Expires after').selectOption('1 day');
      await page.getByRole('button', { name: 'Create token' }).click();
      const secret = page.getByLabel('Your new token');
      await secret.waitFor();
      const token = await secret.inputValue();
      expect(token.length).toBeGreaterThan(30);
      const row = page.locator('tr', { hasText: 'nightly backup' });
      await row.waitFor();
      expect(await row.textContent()).toContain('never'); // not used yet
      await screenshot(page, 'account-token-created');
      await page.setViewportSize(VIEWPORTS.phone);
      expect(await pageWidth(page)).toBe(VIEWPORTS.phone.width);
      await screenshot(page, 'phone-account');

      const me = await meWith(token);
      expect(me.status).toBe(200);
      expect(((await me.json()) as { name: string }).name).toBe(USER.name);

      await row.getByRole('button', { name: 'Revoke nightly backup' }).click();
      const confirm = page.getByRole('dialog', { name: 'Revoke “nightly backup”?' });
      await confirm.getByRole('button', { name: 'Revoke' }).click();
      await page.getByText('Revoked “nightly backup”.').waitFor();
      await row.waitFor({ state: 'detached' });
      expect(await page.getByLabel('Your new token').count()).toBe(0);
      expect((await meWith(token)).status).toBe(401);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a failed load with a Retry that loads again', async () => {
    const { page, context } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, USER.name, USER.password);
      // The hub answers one list request with an error, as it does when its database is busy.
      let failures = 1;
      await page.route('**/api/v1/tokens', (route) =>
        failures-- > 0
          ? route.fulfill({
              status: 503,
              contentType: 'application/json',
              body: JSON.stringify({ error: { code: 'busy', message: 'the hub is busy' } }),
            })
          : route.continue(),
      );
      await page.goto('/hub/account');
      const failed = page.getByText('Could not load your tokens');
      await failed.waitFor();
      expect(await page.getByText('the hub is busy').isVisible()).toBe(true);
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.getByText('You have no API token.').waitFor();
      expect(await failed.count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('changes the password, which logs out everywhere and revokes tokens; the new one logs in', async () => {
    const other = await hub.loginAs(USER.name, USER.password);
    const made = await other.json<{ token: string }>('/api/v1/tokens', {
      method: 'POST',
      json: { note: 'script' },
    });
    expect(made.status).toBe(201);
    const { page, context } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, USER.name, USER.password, '/hub/account');
      await page.getByLabel('Current password').fill('not-my-password');
      await page.getByLabel('New password', { exact: true }).fill('erin-new-password-456');
      await page.getByLabel('New password again').fill('erin-new-password-456');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('That is not your current password.').waitFor();

      // Revoking the tokens too is offered, and on unless the user unticks it.
      expect(await page.getByLabel('Also revoke all my API tokens').isChecked()).toBe(true);
      await page.getByLabel('Current password').fill(USER.password);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Password changed.').waitFor();
      await page.getByText('Your API tokens are revoked.').waitFor();
      expect((await meWith(made.body.token)).status).toBe(401);
      await screenshot(page, 'account-password-changed');
      // The other session (another device) ended as well.
      expect((await other.fetch('/api/v1/me')).status).toBe(401);

      await page.getByRole('link', { name: 'Log in again' }).click();
      await page.waitForURL('**/login?next=%2Fhub%2Faccount');
      await page.getByLabel('User name').fill(USER.name);
      await page.getByLabel('Password').fill('erin-new-password-456');
      await page.keyboard.press('Enter');
      await page.waitForURL('**/hub/account');
      await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    } finally {
      await context.close();
    }
  });
});
