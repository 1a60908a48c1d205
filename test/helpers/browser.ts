import { execFileSync } from 'node:child_process';
import fs, { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { withDirLock } from './dir-lock';

/** Debian's Chromium; playwright-core drives it directly, nothing is downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots land, for people (and CI) to look at after a run. */
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../test-artifacts/screenshots');

/**
 * Flags for a headless Chromium in a container: no sandbox (no user namespaces there), no GPU,
 * and none of the background traffic (updates, sync, QUIC probes) that would reach for the
 * internet from an offline test machine.
 */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts one browser; share it across a test file and close it in afterAll. `extraArgs` adds
 * Chromium switches, e.g. `--host-resolver-rules=MAP hub.example.test 127.0.0.1` to reach the
 * hub under test by a public-looking name (still on loopback).
 */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...ARGS, ...extraArgs] });
}

/** Viewports the portal must work at. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

/**
 * A fresh context (own cookies, storage) with one page, so tests never share a session.
 * Script errors and console errors (not failed loads) are collected on `errors` for assertions.
 */
export async function newPage(
  browser: Browser,
  opts: { baseURL?: string; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    baseURL: opts.baseURL,
    viewport: opts.viewport ?? VIEWPORTS.desktop,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  context.on('page', retryNetworkChanges);
  const page = retryNetworkChanges(await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Failed loads are the API's answers (a 401 probe of /api/v1/me before logging in):
    // tests assert on what the page shows for them, not on Chromium's log line.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      errors.push(`console: ${msg.text()}`);
  });
  return { context, page, errors };
}

const PATCHED = Symbol('retries ERR_NETWORK_CHANGED');
const NAVIGATION_ATTEMPTS = 5;

/**
 * Makes the page's `goto` and `reload` try again when Chromium cancelled the load with
 * ERR_NETWORK_CHANGED: on the Docker host Chromium takes every container start (a new veth, from
 * any test running in parallel) for a change of network and aborts navigations under way. Any
 * other failure, or the same one five times, still fails the test. Applied to every page of a
 * context made by newPage, popups (apps opened in a new tab) included.
 */
function retryNetworkChanges(page: Page): Page {
  const marked = page as Page & { [PATCHED]?: true };
  if (marked[PATCHED]) return page;
  marked[PATCHED] = true;
  const retried =
    <A extends unknown[], R>(navigate: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await navigate(...args);
        } catch (err) {
          if (attempt >= NAVIGATION_ATTEMPTS || !String(err).includes('ERR_NETWORK_CHANGED'))
            throw err;
        }
      }
    };
  page.goto = retried(page.goto.bind(page));
  page.reload = retried(page.reload.bind(page));
  return page;
}

/**
 * How wide the page's content is (CSS pixels, overflow included): equal to the viewport when
 * nothing scrolls sideways. A string expression, so tests compile without the DOM library.
 */
export function pageWidth(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
}

/**
 * Waits until no `<hub-loading>` placeholder is left on the page. A page may show several at
 * once (one per section); `first()` keeps matching whichever is left, so waiting for it to
 * detach waits for all of them without tripping Playwright's strict mode.
 */
export async function waitUntilLoaded(page: Page): Promise<void> {
  await page.locator('hub-loading').first().waitFor({ state: 'detached' });
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9_.-]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

const ROOT = path.resolve(__dirname, '../..');
const FRONTEND = path.join(ROOT, 'frontend');
const DIST_INDEX = path.join(FRONTEND, 'dist', 'index.html');

/** Newest modification time of the portal's sources (src, index.html, configs). */
function newestSource(dir = FRONTEND): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

function distIsFresh(): boolean {
  return fs.existsSync(DIST_INDEX) && fs.statSync(DIST_INDEX).mtimeMs >= newestSource();
}

/**
 * Builds frontend/dist (the hub serves it) unless it is newer than every source file. Test files
 * run in parallel workers, so a lock directory makes one build while the others wait for it.
 */
export async function ensureFrontendBuilt(): Promise<void> {
  if (distIsFresh()) return;
  await withDirLock('hub-frontend-build.lock', 5 * 60_000, () => {
    if (distIsFresh()) return;
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'frontend/vite.config.ts',
        '--logLevel',
        'warn',
      ],
      { cwd: ROOT, stdio: 'pipe', timeout: 180_000 },
    );
  });
}

/** Logs in through the login page as a person would, and waits for the page `next` leads to. */
export async function logIn(
  page: Page,
  name: string,
  password: string,
  next = '/hub/launcher',
): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.keyboard.press('Enter');
  await page.waitForURL(`**${next}`);
}
