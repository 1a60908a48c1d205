import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Dockerode from 'dockerode';
import type { Browser } from 'playwright-core';
import {
  ensureFrontendBuilt,
  launchBrowser,
  logIn,
  newPage,
  pageWidth,
  screenshot,
  VIEWPORTS,
} from '../helpers/browser';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { grantApp } from '../integration/spawner-fixtures';
import { dumpRealmLogs, removeRealmContainers } from './fixtures';

/**
 * The example file browser (images/filebrowser, built by scripts/build-images.sh) as a user
 * meets it: started from a grant with the home workspace, opened through the hub's proxy on its
 * own app origin in Chromium, then used: upload several files with a progress bar, rename in
 * place (refusing bad names and asking before replacing), download, delete after a confirm.
 * Then an attacker's turn over raw HTTP through the proxy: every class of path escape, and
 * writes from another origin.
 */

jest.setTimeout(240_000);

const IMAGE = `${process.env.HUB_IMAGE_PREFIX ?? 'hub/'}filebrowser:latest`;
const USER = { name: 'frida', password: 'frida-password-123' };
/** What no answer may ever contain: the container's /etc/passwd. */
const SECRET = 'root:x:0:0';
const WORKSPACE_UID = 1000;

const docker = new Dockerode();
let hub: TestHub;
let browser: Browser;
let user: Client;
let appUrl = '';
/** The user's workspace folder on the host (mounted at /workspace). */
let workspace = '';
/** The container's address on its Docker network, to reach the app behind the proxy's checks. */
let containerIp = '';
let failed = false;

/** Writes a file into the workspace as the container user would own it. */
function seed(rel: string, content: string | Buffer): void {
  const file = path.join(workspace, rel);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, content);
  if (process.getuid?.() === 0) {
    fs.chownSync(dir, WORKSPACE_UID, WORKSPACE_UID);
    fs.chownSync(file, WORKSPACE_UID, WORKSPACE_UID);
  }
}

/**
 * One request through the hub exactly as written: node's http keeps the path byte for byte,
 * where fetch (WHATWG URL) would already have removed `..` and `%2e%2e` segments.
 */
function raw(
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: string,
  direct = false,
): Promise<{ status: number; text: string }> {
  const url = new URL(appUrl);
  const to = direct
    ? { host: containerIp, port: 8888, headers: { host: `${containerIp}:8888` } }
    : {
        host: '127.0.0.1',
        port: url.port,
        headers: { host: url.host, cookie: user.appCookieHeader(appUrl) },
      };
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: to.host,
        port: to.port,
        method,
        path: rawPath,
        headers: { ...to.headers, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  const image = await docker
    .getImage(IMAGE)
    .inspect()
    .catch(() => null);
  if (!image)
    throw new Error(
      `${IMAGE} is missing: build it with scripts/build-images.sh --only filebrowser`,
    );
  await ensureFrontendBuilt();
  hub = await bootHub();
  const admin = await hub.loginAs(ADMIN.name, ADMIN.password);
  user = await hub.userClient(USER.name, USER.password);
  const mapping = await grantApp(admin, USER.name, IMAGE, { allow_home: true });
  const started = await user.json<{ url: string; url_id: string }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: mapping },
  });
  if (started.status !== 201)
    throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
  appUrl = started.body.url;
  const [info] = await docker.listContainers({
    filters: { label: [`eu.simphony-project.docker.realm=${hub.hub.config.realm}`] },
  });
  const mount = info.Mounts.find((m) => m.Destination === '/workspace');
  if (!mount) throw new Error('the file browser has no /workspace mount');
  workspace = mount.Source;
  const networks = Object.values(info.NetworkSettings.Networks);
  containerIp = networks.map((n) => n.IPAddress).find(Boolean) ?? '';
  seed('notes.txt', 'first notes\n');
  seed('docs/plan.md', '# plan\n');
  fs.symlinkSync('/etc/passwd', path.join(workspace, 'escape-link'));
  fs.symlinkSync('/etc', path.join(workspace, 'escape-dir'));
  // Signs the API client in on the app origin, as a browser does, for the raw requests.
  const first = await user.fetch(appUrl);
  expect(first.status).toBe(200);
  browser = await launchBrowser();
});

afterAll(async () => {
  if (hub && failed) await dumpRealmLogs(hub, docker);
  await browser?.close();
  if (hub) await removeRealmContainers(hub, docker);
  await hub?.close();
});

describe('the example file browser (browser)', () => {
  it('uploads with progress, renames, downloads and deletes', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, USER.name, USER.password);
      await page.goto(appUrl);
      expect(new URL(page.url()).host).toMatch(/^[0-9a-f]{32}\.apps\.localhost:/);
      await page.getByRole('heading', { name: 'workspace' }).waitFor();
      const table = page.getByRole('table');
      await table.getByRole('link', { name: 'notes.txt', exact: true }).waitFor();
      // A link out of the workspace is listed as such, with no way to open it.
      expect(await table.getByText('(link to outside the workspace)').count()).toBe(2);
      expect(await table.getByRole('link', { name: 'escape-link', exact: true }).count()).toBe(0);
      await screenshot(page, 'filebrowser-listing');

      // Upload: two files at once; the big one slowly (Chromium's upload throttling), so the
      // progress bar is seen between empty and full.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 512 * 1024,
      });
      const big = Buffer.alloc(3 * 1024 * 1024, 'x');
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser'),
        page.getByRole('button', { name: 'Upload files' }).click(),
      ]);
      expect(chooser.isMultiple()).toBe(true);
      await chooser.setFiles([
        { name: 'report final.txt', mimeType: 'text/plain', buffer: Buffer.from('the report\n') },
        { name: 'big.bin', mimeType: 'application/octet-stream', buffer: big },
      ]);
      const bigBar = page.getByRole('progressbar', { name: 'Upload of big.bin' });
      // Polled from here: the page's CSP rightly refuses the eval a waitForFunction needs.
      let midway = 0;
      while (midway <= 0) midway = Number(await bigBar.getAttribute('value'));
      expect(midway).toBeGreaterThan(0);
      expect(midway).toBeLessThan(100);
      await screenshot(page, 'filebrowser-upload-progress');
      await page.getByRole('status').filter({ hasText: '2 of 2 files uploaded.' }).waitFor();
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      expect(await bigBar.getAttribute('value')).toBe('100');
      await table.getByRole('link', { name: 'report final.txt', exact: true }).waitFor();
      expect(fs.readFileSync(path.join(workspace, 'report final.txt'), 'utf8')).toBe(
        'the report\n',
      );
      expect(fs.statSync(path.join(workspace, 'big.bin')).size).toBe(big.length);
      // Uploads belong to the workspace's owner, not root.
      expect(fs.statSync(path.join(workspace, 'big.bin')).uid).toBe(WORKSPACE_UID);
      await screenshot(page, 'filebrowser-uploaded');

      // Uploading a name that exists asks first; "Cancel" keeps the old file.
      const [again] = await Promise.all([
        page.waitForEvent('filechooser'),
        page.getByRole('button', { name: 'Upload files' }).click(),
      ]);
      await again.setFiles([
        { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('overwritten\n') },
      ]);
      const replaceDialog = page.getByRole('dialog', { name: 'Replace “notes.txt”?' });
      await replaceDialog.waitFor();
      await replaceDialog.getByRole('button', { name: 'Cancel' }).click();
      await page.getByText('Skipped: a file with this name is already here.').waitFor();
      await page
        .getByRole('status')
        .filter({ hasText: '0 of 1 file uploaded; 1 skipped.' })
        .waitFor();
      expect(fs.readFileSync(path.join(workspace, 'notes.txt'), 'utf8')).toBe('first notes\n');

      // Rename in place, keyboard only: bad names are refused next to the file, in words.
      const reportRow = table.locator('tr[data-name="report final.txt"]');
      await reportRow.getByRole('button', { name: 'Rename report final.txt' }).focus();
      await page.keyboard.press('Enter');
      const nameInput = reportRow.getByLabel('New name for report final.txt');
      expect(await page.evaluate('document.activeElement.getAttribute("aria-describedby")')).toBe(
        await nameInput.getAttribute('aria-describedby'),
      );
      await nameInput.fill('../outside.txt');
      await page.keyboard.press('Enter');
      await reportRow.getByText("A name cannot contain '/'.").waitFor();
      expect(await nameInput.getAttribute('aria-invalid')).toBe('true');
      await nameInput.fill('..');
      await page.keyboard.press('Enter');
      await reportRow.getByText("'.' and '..' cannot be used as names.").waitFor();
      await screenshot(page, 'filebrowser-rename-refused');
      // An existing name is not clobbered without asking; declining keeps both files.
      await nameInput.fill('notes.txt');
      await page.keyboard.press('Enter');
      const clobber = page.getByRole('dialog', { name: 'Replace “notes.txt”?' });
      await clobber.waitFor();
      await screenshot(page, 'filebrowser-rename-replace-confirm');
      await page.keyboard.press('Escape');
      await reportRow
        .getByText('Not renamed: “notes.txt” already exists. Choose another name.')
        .waitFor();
      expect(fs.readFileSync(path.join(workspace, 'notes.txt'), 'utf8')).toBe('first notes\n');
      await nameInput.fill('report.txt');
      await page.keyboard.press('Enter');
      await page
        .getByRole('status')
        .filter({ hasText: 'Renamed “report final.txt” to “report.txt”.' })
        .waitFor();
      await table.getByRole('link', { name: 'report.txt', exact: true }).waitFor();
      expect(fs.existsSync(path.join(workspace, 'report final.txt'))).toBe(false);
      expect(fs.readFileSync(path.join(workspace, 'report.txt'), 'utf8')).toBe('the report\n');
      // Focus stays on the renamed row, so the keyboard user is where they were.
      expect(
        await page.evaluate(
          'document.activeElement && document.activeElement.getAttribute("aria-label")',
        ),
      ).toBe('Rename report.txt');

      // Download: the button saves the file (an attachment), with its content.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        table.getByRole('link', { name: 'Download report.txt' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('report.txt');
      expect(fs.readFileSync(await download.path(), 'utf8')).toBe('the report\n');

      // New folder, with its name checked in place.
      await page.getByLabel('New folder').fill('a/b');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.locator('#mkdir-error').getByText("A name cannot contain '/'.").waitFor();
      await page.getByLabel('New folder').fill('results');
      await page.getByRole('button', { name: 'Create' }).click();
      await table.getByRole('link', { name: 'results/', exact: true }).waitFor();
      expect(fs.statSync(path.join(workspace, 'results')).isDirectory()).toBe(true);
      // Into the new folder and back by the path trail; every link is relative.
      await table.getByRole('link', { name: 'results/', exact: true }).click();
      await page.getByRole('heading', { name: 'results' }).waitFor();
      expect(page.url()).toBe(`${appUrl}results/`);
      await page.getByText('This folder is empty.').waitFor();
      await page
        .getByRole('navigation', { name: 'Folder path' })
        .getByRole('link', { name: 'workspace' })
        .click();
      await page.getByRole('heading', { name: 'workspace' }).waitFor();
      expect(page.url()).toBe(appUrl);

      // Delete asks first; Cancel keeps the file, Delete removes it.
      const deleteReport = table.getByRole('button', { name: 'Delete report.txt' });
      await deleteReport.click();
      const confirm = page.getByRole('dialog', { name: 'Delete “report.txt”?' });
      await confirm.waitFor();
      await screenshot(page, 'filebrowser-delete-confirm');
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'hidden' });
      expect(fs.existsSync(path.join(workspace, 'report.txt'))).toBe(true);
      await deleteReport.click();
      await confirm.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('status').filter({ hasText: 'Deleted “report.txt”.' }).waitFor();
      expect(await table.getByRole('link', { name: 'report.txt', exact: true }).count()).toBe(0);
      expect(fs.existsSync(path.join(workspace, 'report.txt'))).toBe(false);

      // A folder goes with everything in it, after saying so.
      await table.getByRole('button', { name: 'Delete docs' }).click();
      const folderConfirm = page.getByRole('dialog', { name: 'Delete the folder “docs”?' });
      await folderConfirm.getByText('The folder and everything in it will be deleted.').waitFor();
      await folderConfirm.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('status').filter({ hasText: 'Deleted “docs”.' }).waitFor();
      expect(fs.existsSync(path.join(workspace, 'docs'))).toBe(false);

      // Deleting a link removes the link, never what it points to.
      await table.getByRole('button', { name: 'Delete escape-link' }).click();
      await page
        .getByRole('dialog', { name: 'Delete “escape-link”?' })
        .getByRole('button', { name: 'Delete' })
        .click();
      await page.getByRole('status').filter({ hasText: 'Deleted “escape-link”.' }).waitFor();
      expect(fs.existsSync(path.join(workspace, 'escape-link'))).toBe(false);
      fs.symlinkSync('/etc/passwd', path.join(workspace, 'escape-link'));

      // An error the server reports shows next to its file, in plain words: here the file
      // was deleted behind the page's back.
      fs.unlinkSync(path.join(workspace, 'big.bin'));
      await table.getByRole('button', { name: 'Delete big.bin' }).click();
      await page
        .getByRole('dialog', { name: 'Delete “big.bin”?' })
        .getByRole('button', { name: 'Delete' })
        .click();
      await table
        .locator('tr[data-name="big.bin"]')
        .getByText('“big.bin” is already gone (renamed or deleted elsewhere). Reload the page.')
        .waitFor();
      await screenshot(page, 'filebrowser-row-error');

      // A folder the container user may not empty (root's, as the hub's own files would be):
      // the refusal is said next to it, and nothing is lost.
      const locked = path.join(workspace, 'locked');
      fs.mkdirSync(locked);
      fs.writeFileSync(path.join(locked, 'keep.txt'), 'root owns this\n');
      await page.reload();
      await table.getByRole('button', { name: 'Delete locked' }).click();
      await page
        .getByRole('dialog', { name: 'Delete the folder “locked”?' })
        .getByRole('button', { name: 'Delete' })
        .click();
      await table
        .locator('tr[data-name="locked"]')
        .getByText('You do not have permission to delete “locked”.')
        .waitFor();
      expect(fs.readFileSync(path.join(locked, 'keep.txt'), 'utf8')).toBe('root owns this\n');
      expect(errors).toEqual([]);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      await context.close();
    }
  });

  it('fits a phone screen and keeps its controls reachable there', async () => {
    const { page, context } = await newPage(browser, {
      baseURL: hub.url,
      viewport: VIEWPORTS.phone,
    });
    try {
      await logIn(page, USER.name, USER.password);
      await page.goto(appUrl);
      await page.getByRole('table').getByRole('link', { name: 'notes.txt', exact: true }).waitFor();
      expect(await pageWidth(page)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
      expect(await page.getByRole('button', { name: 'Delete notes.txt' }).isVisible()).toBe(true);
      expect(await page.getByRole('link', { name: 'Download notes.txt' }).isVisible()).toBe(true);
      await screenshot(page, 'filebrowser-phone');
      await page.getByRole('button', { name: 'Rename notes.txt' }).click();
      expect(await pageWidth(page)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
      await screenshot(page, 'filebrowser-phone-rename');
    } finally {
      await context.close();
    }
  });
});

describe('the file browser against an attacker (raw HTTP)', () => {
  const prefix = () => new URL(appUrl).pathname;
  /** Every class of read escape, spelled the ways attackers spell them. */
  const readEscapes = (p: string): Array<[string, string]> => [
    ['dot-dot', `${p}../../../../etc/passwd`],
    ['dot-dot inside', `${p}results/../../../etc/passwd`],
    ['encoded dot-dot', `${p}%2e%2e/%2e%2e/%2e%2e/etc/passwd`],
    ['encoded dot-dot, upper case', `${p}%2E%2E%2F%2E%2E%2Fetc%2Fpasswd`],
    ['encoded slash with dot-dot', `${p}..%2f..%2f..%2fetc%2fpasswd`],
    ['absolute path', `${p}/etc/passwd`],
    ['encoded absolute path', `${p}%2fetc%2fpasswd`],
    ['NUL byte', `${p}notes.txt%00.png`],
    ['link to a file outside', `${p}escape-link`],
    ['through a link to a folder outside', `${p}escape-dir/passwd`],
    ['single dot', `${p}./escape-link`],
  ];
  /** Every class of write escape; none may change anything outside the workspace. */
  const writeEscapes = (p: string): Array<[string, string, string]> => [
    ['PUT', `${p}%2e%2e/%2e%2e/tmp/planted`, 'planted'],
    ['PUT', `${p}..%2f..%2ftmp%2fplanted`, 'planted'],
    ['PUT', `${p}escape-dir/planted`, 'planted'],
    ['PUT', `${p}escape-link`, 'overwritten'],
    ['PUT', `${p}x%00y`, 'nul'],
    ['DELETE', `${p}%2e%2e/%2e%2e/etc/hostname`, ''],
    ['DELETE', `${p}escape-dir/hostname`, ''],
    ['DELETE', p, ''],
    ['POST', `${p}notes.txt?rename=..%2F..%2Fnotes.txt`, ''],
    ['POST', `${p}notes.txt?rename=..`, ''],
    ['POST', `${p}notes.txt?rename=a%00b`, ''],
    ['POST', `${p}escape-dir/passwd?rename=mine`, ''],
    ['POST', `${p}?mkdir=..%2Fescaped`, ''],
    ['POST', `${p}escape-dir/?mkdir=planted`, ''],
  ];
  const WRITE = { 'x-hub-filebrowser': '1' };

  /** What the app's own checks answer for each class, when it is reached directly. */
  const APP_SAYS: Record<string, RegExp> = {
    'dot-dot': /^Paths with '\.' or '\.\.' are not allowed/,
    'dot-dot inside': /^Paths with '\.' or '\.\.' are not allowed/,
    'encoded dot-dot': /^Paths with '\.' or '\.\.' are not allowed/,
    'encoded dot-dot, upper case': /^Paths with '\.' or '\.\.' are not allowed/,
    'encoded slash with dot-dot': /^Paths with '\.' or '\.\.' are not allowed/,
    'absolute path': /^Absolute paths are not allowed/,
    'encoded absolute path': /^Absolute paths are not allowed/,
    'NUL byte': /^A path cannot contain a NUL byte\.$/,
    'link to a file outside': /^This link points outside the workspace/,
    'through a link to a folder outside': /^This link points outside the workspace/,
    'single dot': /^Paths with '\.' or '\.\.' are not allowed/,
  };

  async function containerUnchanged(): Promise<void> {
    const [info] = await docker.listContainers({
      filters: { label: [`eu.simphony-project.docker.realm=${hub.hub.config.realm}`] },
    });
    const check = await docker.getContainer(info.Id).exec({
      Cmd: [
        'sh',
        '-c',
        'ls -d /tmp/planted /etc/planted /escaped /workspace/mine 2>/dev/null; test -s /etc/hostname && echo kept',
      ],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await check.start({});
    const out = await new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      stream.on('end', () => resolve(text));
    });
    expect(out).toContain('kept');
    expect(out).not.toMatch(/planted|escaped|mine/);
    expect(fs.readFileSync(path.join(workspace, 'notes.txt'), 'utf8')).toBe('first notes\n');
    expect(fs.readlinkSync(path.join(workspace, 'escape-link'))).toBe('/etc/passwd');
  }

  it('through the proxy: every path escape is refused (4xx) and leaks nothing', async () => {
    const answers: string[] = [];
    for (const [name, rawPath] of readEscapes(prefix())) {
      const res = await raw('GET', rawPath);
      answers.push(`${name}: ${res.status} ${res.text.slice(0, 100)}`);
      expect(res.text).not.toContain(SECRET);
    }
    expect(answers.filter((a) => !/: 4\d\d /.test(a))).toEqual([]);
    for (const [method, rawPath, body] of writeEscapes(prefix())) {
      const res = await raw(method, rawPath, WRITE, body);
      expect(`${method} ${rawPath}: ${res.status} ${res.text.slice(0, 100)}`).toMatch(/: 4\d\d /);
    }
    await containerUnchanged();
  });

  it('at the app itself, behind the proxy: each class refused with its reason', async () => {
    // The hub's proxy already turns some spellings away; the app must hold on its own too.
    const p = prefix();
    for (const [name, rawPath] of readEscapes(p)) {
      const res = await raw('GET', rawPath, {}, undefined, true);
      expect(`${name}: ${res.status} ${res.text}`).toMatch(
        new RegExp(`^${name}: 4\\d\\d ${APP_SAYS[name].source.slice(1)}`),
      );
    }
    for (const [method, rawPath, body] of writeEscapes(p)) {
      const res = await raw(method, rawPath, WRITE, body, true);
      expect(`${method} ${rawPath}: ${res.status} ${res.text}`).toMatch(/: 4\d\d [A-Z'‘“]/);
    }
    await containerUnchanged();
  });

  it('refuses writes a foreign page could trigger', async () => {
    const p = prefix();
    // No custom header: what a cross-site form or a no-cors fetch can send.
    for (const direct of [false, true]) {
      const bare = await raw('DELETE', `${p}notes.txt`, {}, undefined, direct);
      expect(bare.status).toBe(403);
      expect(bare.text).toMatch(/only the file browser's own page sends/);
      const form = await raw(
        'POST',
        `${p}notes.txt?rename=pwned.txt`,
        { 'content-type': 'application/x-www-form-urlencoded' },
        'x=1',
        direct,
      );
      expect(form.status).toBe(403);
    }
    // The header with a foreign Origin, or a browser saying the request is cross-site: the
    // proxy refuses first; the app refuses on its own as well.
    const foreign: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: hub.url },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreign) {
      const viaProxy = await raw('DELETE', `${p}notes.txt`, { ...WRITE, ...headers });
      expect(`${JSON.stringify(headers)}: ${viaProxy.status}`).toMatch(/: 403$/);
      const atApp = await raw('DELETE', `${p}notes.txt`, { ...WRITE, ...headers }, undefined, true);
      expect(atApp.status).toBe(403);
      expect(atApp.text).toBe("Changes are accepted only from the file browser's own page.");
    }
    expect(fs.existsSync(path.join(workspace, 'notes.txt'))).toBe(true);

    // And from a real page of another site in Chromium, with the user signed in.
    const { page, context } = await newPage(browser, { baseURL: hub.url });
    try {
      await logIn(page, USER.name, USER.password);
      await page.goto(appUrl);
      await page.getByRole('table').waitFor();
      // A page of another site with no CSP of its own (the hub's pages would not even let a
      // script fetch elsewhere), served by Chromium's request interception.
      const evil = `http://evil.localhost:${new URL(hub.url).port}/`;
      await context.route(evil, (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><title>A foreign page</title>',
        }),
      );
      await page.goto(evil);
      const attempts = await page.evaluate(async (target: string) => {
        const tryFetch = async (url: string, init: RequestInit) => {
          try {
            const r = await fetch(url, { credentials: 'include', ...init });
            return `${r.status} ${r.type}`;
          } catch (err) {
            return `threw ${(err as Error).name}`;
          }
        };
        return [
          await tryFetch(`${target}notes.txt`, {
            method: 'DELETE',
            headers: { 'X-Hub-Filebrowser': '1' },
          }),
          await tryFetch(`${target}notes.txt?rename=pwned.txt`, {
            method: 'POST',
            mode: 'no-cors',
          }),
          await tryFetch(`${target}notes.txt?rename=pwned.txt`, {
            method: 'POST',
            headers: { 'X-Hub-Filebrowser': '1' },
          }),
        ];
      }, appUrl);
      // The preflight for the header is never granted; without the header nothing changes.
      expect(attempts[0]).toBe('threw TypeError');
      // Without the header Chromium may send the request (an opaque answer) or block it (local
      // network rules); either way the app changes nothing, as the checks below show.
      expect(attempts[1]).toMatch(/^(0 opaque|threw TypeError)$/);
      expect(attempts[2]).toBe('threw TypeError');
      expect(fs.existsSync(path.join(workspace, 'notes.txt'))).toBe(true);
      expect(fs.existsSync(path.join(workspace, 'pwned.txt'))).toBe(false);
    } finally {
      await context.close();
    }
  });
});
