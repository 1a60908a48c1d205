import type { Browser } from 'playwright-core';
import { ensureFrontendBuilt, launchBrowser, newPage, screenshot } from '../helpers/browser';
import { ADMIN, bootHub, type TestHub } from '../helpers/hub';

/**
 * The login page in Debian's Chromium against the real hub: where an unauthenticated visitor
 * lands, what a wrong password and a lockout look like, and where a login leads.
 */
describe('portal login (browser)', () => {
  let hub: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    await ensureFrontendBuilt();
    // A small failure budget so the lockout is reached in a few tries.
    hub = await bootHub({ login: { max_failures_per_user: 3, lockout_seconds: 30 } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('sends a visitor to the login page, remembers where they were going, logs in and out', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await page.goto('/hub/admin/users');
      await page.waitForURL('**/login?next=%2Fhub%2Fadmin%2Fusers');
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await screenshot(page, 'login');

      await page.getByLabel('User name').fill(ADMIN.name);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.keyboard.press('Enter');
      await page.waitForURL('**/hub/admin/users');
      await page.getByRole('heading', { name: 'All users' }).waitFor();
      expect(await page.getByText(`Logged in as ${ADMIN.name}`).isVisible()).toBe(true);

      // Logging out ends the session on the hub, not just in the page.
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL('**/login');
      await page.goto('/hub/launcher');
      await page.waitForURL('**/login?next=%2Fhub%2Flauncher');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('says so when the password is wrong, and keeps the user name', async () => {
    const { page, context } = await newPage(browser, { baseURL: hub.url });
    try {
      await page.goto('/login');
      await page.getByLabel('User name').fill('nobody');
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Log in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/Wrong user name or password/);
      expect(await page.getByLabel('User name').inputValue()).toBe('nobody');
      expect(await page.getByLabel('Password').inputValue()).toBe('');
      expect(page.url()).toBe(`${hub.url}/login`);
      await screenshot(page, 'login-wrong-password');
    } finally {
      await context.close();
    }
  });

  it('counts down a lockout and refuses to submit until it ends', async () => {
    const { page, context } = await newPage(browser, { baseURL: hub.url });
    try {
      await page.goto('/login');
      const submit = page.getByRole('button', { name: 'Log in' });
      for (let i = 0; i < 3; i++) {
        await page.getByLabel('User name').fill('locked-out');
        await page.getByLabel('Password').fill(`wrong-${i}`);
        await submit.click();
        await page.getByText('Wrong user name or password').waitFor();
      }
      await page.getByLabel('Password').fill('wrong-again');
      await submit.click();
      const countdown = page.getByTestId('countdown');
      await countdown.waitFor();
      expect(await page.getByRole('alert').textContent()).toMatch(
        /Too many failed attempts\. Try again in\s+\d+\s+seconds?/,
      );
      const first = Number(await countdown.textContent());
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThanOrEqual(30);
      expect(await submit.isDisabled()).toBe(true);
      await screenshot(page, 'login-rate-limited');
      // The number goes down by itself: the page counts the Retry-After seconds.
      // (Polled from here: the page's CSP forbids the eval that waitForFunction would need.)
      let shown = first;
      while (shown >= first) {
        await page.waitForTimeout(250);
        shown = Number(await countdown.textContent());
      }
      expect(shown).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });

  it.each([
    '//evil.example/steal',
    // Each becomes //evil.example once the browser removes dot segments.
    '/.//evil.example/steal',
    '/%2e%2e//evil.example/steal',
    '/hub/..//evil.example/steal',
  ])('ignores a `next` that points to another site: %s', async (next) => {
    const { page, context } = await newPage(browser, { baseURL: hub.url });
    try {
      await page.goto(`/login?next=${encodeURIComponent(next)}`);
      await page.getByLabel('User name').fill(ADMIN.name);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.keyboard.press('Enter');
      await page.waitForURL('**/hub/launcher');
      expect(new URL(page.url()).origin).toBe(hub.url);
      await page.getByRole('heading', { name: 'Applications', exact: true }).waitFor();
    } finally {
      await context.close();
    }
  });
});
