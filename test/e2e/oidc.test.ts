import type { Browser } from 'playwright-core';
import { ensureFrontendBuilt, launchBrowser, newPage, screenshot } from '../helpers/browser';
import { bootHub, type TestHub } from '../helpers/hub';
import { CLIENT, reserveIssuer, startProvider, type TestProvider } from '../helpers/oidc/provider';

/**
 * Signing in through the organisation's OpenID provider in Debian's Chromium: the hub's login
 * page, the provider's own login page (a real oidc-provider on loopback) and back, logged in.
 */

const ACCOUNTS = {
  alice: { password: 'alice-oidc-pw', groups: ['staff', 'hub-admins'] },
};

function env(issuer: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HUB_AUTH__OIDC__ISSUER: issuer,
    HUB_AUTH__OIDC__CLIENT_ID: CLIENT.id,
    HUB_AUTH__OIDC__DISPLAY_NAME: 'Example SSO',
    HUB_AUTH__OIDC__ADMIN_GROUPS: '["hub-admins"]',
    HUB_AUTH__OIDC__TIMEOUT_SECONDS: '3',
    HUB_OIDC_CLIENT_SECRET: CLIENT.secret,
    ...extra,
  };
}

describe('sign-in with an OpenID provider (browser)', () => {
  let browser: Browser;
  beforeAll(async () => {
    await ensureFrontendBuilt();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('goes to the provider and back, logged in, to the page the user asked for', async () => {
    const { port, issuer } = await reserveIssuer();
    const hub: TestHub = await bootHub({}, { env: env(issuer) });
    const provider: TestProvider = await startProvider(port, hub.url, ACCOUNTS);
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await page.goto('/hub/admin/users');
      await page.waitForURL('**/login?next=%2Fhub%2Fadmin%2Fusers');
      const button = page.getByRole('link', { name: 'Log in with Example SSO' });
      await button.waitFor();
      // Local accounts stay available next to the provider.
      expect(await page.getByLabel('User name').isVisible()).toBe(true);
      await screenshot(page, 'login-with-oidc');
      await button.click();

      await page.waitForURL(`${issuer}/interaction/**`);
      await page.getByLabel('Login').fill('alice');
      await page.getByLabel('Password').fill(ACCOUNTS.alice.password);
      await page.getByRole('button', { name: 'Sign in at provider' }).click();

      await page.waitForURL(`${hub.url}/hub/admin/users`);
      await page.getByRole('heading', { name: 'All users' }).waitFor();
      expect(await page.getByText('Logged in as alice').isVisible()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await provider.stop();
      await hub.close();
    }
  });

  it('shows only the button when local accounts are off, and a clear page while the provider is down', async () => {
    const { issuer } = await reserveIssuer();
    const hub = await bootHub({}, { env: env(issuer, { HUB_AUTH__LOCAL: 'false' }) });
    const { page, context } = await newPage(browser, { baseURL: hub.url });
    try {
      await page.goto('/login');
      const button = page.getByRole('link', { name: 'Log in with Example SSO' });
      await button.waitFor();
      expect(await page.getByLabel('User name').count()).toBe(0);
      await button.click();
      const problem = page.getByTestId('login-problem');
      await problem.waitFor();
      expect(await problem.textContent()).toMatch(/cannot be reached.*auth\.oidc\.issuer/);
      await page.getByRole('link', { name: 'Back to the login page' }).click();
      await page.waitForURL(`${hub.url}/login`);
    } finally {
      await context.close();
      await hub.close();
    }
  });
});
