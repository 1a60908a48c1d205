import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import WebSocket from 'ws';
import { SCREENSHOT_DIR } from '../helpers/browser';
import { withDirLock } from '../helpers/dir-lock';
import { type Client, loopbackLookup, type TestHub } from '../helpers/hub';

/**
 * Helpers for the VNC end-to-end test: the example images, a minimal RFB client speaking
 * through the hub's proxy, a pixel probe for noVNC's canvas, and cleanup through the admin API.
 */

const ROOT = path.resolve(__dirname, '../..');
const LABEL = 'eu.simphony-project.docker.';

/** The example desktop app scripts/build-images.sh tags (images/terminal). */
export const TERMINAL_IMAGE = `${process.env.HUB_IMAGE_PREFIX ?? 'hub/'}terminal:latest`;

/**
 * Builds the terminal example (and any missing base) with scripts/build-images.sh: about 70 s
 * cold, under a second when cached. Test files run in parallel workers, so a lock directory
 * keeps two builds from racing on the same tags.
 */
export async function ensureTerminalImage(): Promise<void> {
  await withDirLock('hub-build-images.lock', 15 * 60_000, async () => {
    try {
      await promisify(execFile)('bash', ['scripts/build-images.sh', '--only', 'terminal'], {
        cwd: ROOT,
        timeout: 15 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new Error(
        `scripts/build-images.sh --only terminal failed: ${(err as Error).message}\n` +
          `${stdout.slice(-3000)}\n${stderr.slice(-3000)}`,
      );
    }
  });
}

/**
 * Records what a context's pages did on the network (failed loads, 4xx/5xx answers, WebSocket
 * opens and closes) and said on the console, so a failed test can print why noVNC did not
 * connect. Returns the live list of lines.
 */
export function recordTraffic(context: BrowserContext): string[] {
  const lines: string[] = [];
  const at = () => new Date().toISOString().slice(11, 23);
  const watch = (page: Page) => {
    page.on('websocket', (ws) => {
      lines.push(`${at()} ws open ${ws.url()}`);
      ws.on('socketerror', (err) => lines.push(`${at()} ws error ${ws.url()}: ${err}`));
      ws.on('close', () => lines.push(`${at()} ws closed ${ws.url()}`));
    });
    page.on('console', (msg) => lines.push(`${at()} console.${msg.type()} ${msg.text()}`));
    page.on('pageerror', (err) => lines.push(`${at()} pageerror ${err.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  context.on('requestfailed', (req) =>
    lines.push(`${at()} failed ${req.url()}: ${req.failure()?.errorText}`),
  );
  context.on('response', (res) => {
    if (res.status() >= 400) lines.push(`${at()} ${res.status()} ${res.url()}`);
  });
  return lines;
}

/** The `ws://` URL of a container's noVNC WebSocket (`<prefix>websockify`) on its own origin. */
export function websockifyUrl(containerUrl: string): string {
  return `${containerUrl.replace(/^http/, 'ws')}websockify`;
}

/** Bytes of a WebSocket's binary messages, read in exact amounts as RFB needs them. */
class ByteReader {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;

  constructor(ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.waiter?.();
    });
    ws.on('close', () => this.fail(new Error('the WebSocket closed in the middle of RFB')));
    ws.on('error', (err) => this.fail(err));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.waiter?.();
  }

  async read(n: number, timeoutMs = 15_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length < n) {
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`RFB: waited for ${n} bytes, have ${this.buffer.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }
}

/** What the VNC server said during the handshake. */
export interface RfbServerInfo {
  /** The ProtocolVersion line without its newline, e.g. `RFB 003.008`. */
  greeting: string;
  /** Framebuffer size from ServerInit. */
  width: number;
  height: number;
  /** The desktop's name from ServerInit. */
  name: string;
}

function openWebSocket(url: string, cookie: string | null): WebSocket {
  // noVNC offers the "binary" subprotocol; websockify picks it.
  // From the app's own page: its origin, and its `*.localhost` name resolved as browsers do.
  return new WebSocket(url, ['binary'], {
    headers: cookie ? { cookie } : {},
    origin: new URL(url.replace(/^ws/, 'http')).origin,
    handshakeTimeout: 15_000,
    lookup: loopbackLookup,
  } as WebSocket.ClientOptions);
}

/**
 * Speaks RFB 3.8 through the proxy the way noVNC does, up to ServerInit: reads the greeting,
 * answers 3.8, takes security type None, asks for a shared session (so a browser already
 * connected stays connected) and returns the framebuffer size.
 */
export async function rfbHandshake(url: string, cookie: string): Promise<RfbServerInfo> {
  const ws = openWebSocket(url, cookie);
  const reader = new ByteReader(ws);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`WebSocket upgrade refused: ${res.statusCode}`)),
      );
    });
    const greeting = (await reader.read(12)).toString('latin1');
    if (!/^RFB 003\.00\d\n$/.test(greeting)) throw new Error(`not an RFB greeting: ${greeting}`);
    ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
    const count = (await reader.read(1))[0];
    if (count === 0) {
      const len = (await reader.read(4)).readUInt32BE(0);
      throw new Error(`RFB refused: ${(await reader.read(len)).toString()}`);
    }
    const types = [...(await reader.read(count))];
    if (!types.includes(1)) throw new Error(`RFB: no "None" security type in ${types}`);
    ws.send(Buffer.from([1]));
    const result = (await reader.read(4)).readUInt32BE(0);
    if (result !== 0) throw new Error(`RFB security result ${result}`);
    ws.send(Buffer.from([1])); // ClientInit: shared
    const init = await reader.read(24);
    const name = (await reader.read(init.readUInt32BE(20))).toString('utf8');
    return {
      greeting: greeting.trimEnd(),
      width: init.readUInt16BE(0),
      height: init.readUInt16BE(2),
      name,
    };
  } finally {
    ws.terminate();
  }
}

/** How the proxy answered an upgrade: `{status: 101, firstBytes}` or the refusal's status. */
export async function tryUpgrade(
  url: string,
  cookie: string | null,
): Promise<{ status: number; firstBytes: string }> {
  const ws = openWebSocket(url, cookie);
  const reader = new ByteReader(ws);
  try {
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('open', () => resolve(101));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', reject);
    });
    const firstBytes = status === 101 ? (await reader.read(12)).toString('latin1') : '';
    return { status, firstBytes };
  } finally {
    ws.terminate();
  }
}

/** The pixels of noVNC's canvas, summarised in the page (the image never leaves it). */
export interface CanvasStats {
  /** The canvas's own size: noVNC sets it to the framebuffer's when it does not clip. */
  width: number;
  height: number;
  /** Distinct RGB colours: 1 for a blank (or never drawn) framebuffer. */
  colours: number;
  /** The most common colour (the background) as 0xRRGGBB. */
  background: number;
  /** Pixels that differ from the most common colour. */
  foreground: number;
  /** One hash per pixel row, to see which rows changed between two probes. */
  rows: number[];
}

/** The little of a canvas the probe uses (the tests compile without the DOM library). */
interface CanvasProbe {
  width: number;
  height: number;
  toDataURL(type: 'image/png'): string;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}

/** Reads noVNC's canvas in the page and summarises it (see CanvasStats). */
export function canvasStats(canvas: Locator): Promise<CanvasStats> {
  return canvas.evaluate((el: CanvasProbe) => {
    const { width, height } = el;
    const ctx = el.getContext('2d');
    if (!ctx || width === 0 || height === 0)
      return { width, height, colours: 0, background: 0, foreground: 0, rows: [] };
    const data = ctx.getImageData(0, 0, width, height).data;
    const counts = new Map<number, number>();
    const rows: number[] = [];
    for (let y = 0; y < height; y++) {
      let hash = 0;
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
        hash = (Math.imul(hash, 31) + rgb) | 0;
      }
      rows.push(hash);
    }
    let background = 0;
    let top = 0;
    for (const [rgb, n] of counts) {
      if (n > top) [background, top] = [rgb, n];
    }
    const foreground = width * height - top;
    return { width, height, colours: counts.size, background, foreground, rows };
  });
}

/**
 * Saves the canvas's own pixels (the framebuffer at its real size, without noVNC's overlays
 * or the page's scaling) as test-artifacts/screenshots/<name>.png; returns the path.
 */
export async function saveFramebuffer(canvas: Locator, name: string): Promise<string> {
  const url = await canvas.evaluate((el: CanvasProbe) => el.toDataURL('image/png'));
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  fs.writeFileSync(file, Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
  return file;
}

/** Polls `probe` until `ok` accepts its answer; throws with the last answer after `timeoutMs`. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      error = undefined;
      if (ok(last)) return last;
    } catch (err) {
      error = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const seen = error ? String(error) : JSON.stringify(last, (k, v) => (k === 'rows' ? '…' : v));
  throw new Error(`timed out waiting for ${what}; last seen: ${seen}`);
}

/** The environment of the hub's container at `urlId`, from docker inspect. */
export async function containerEnv(
  hub: TestHub,
  urlId: string,
  docker = new Dockerode(),
): Promise<Record<string, string>> {
  const [found] = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL}realm=${hub.hub.config.realm}`, `${LABEL}url_id=${urlId}`] },
  });
  if (!found) throw new Error(`no container with url_id ${urlId} in this realm`);
  const info = await docker.getContainer(found.Id).inspect();
  return Object.fromEntries(
    (info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
}

/** Containers left in this hub's realm, running or not. */
export async function realmContainers(
  hub: TestHub,
  docker = new Dockerode(),
): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({
    all: true,
    filters: { label: [`${LABEL}realm=${hub.hub.config.realm}`] },
  });
}

/** Stops every container through the admin API, so the hub's own state stays true. */
export async function stopAllContainers(admin: Client): Promise<void> {
  const list = await admin.json<Array<{ url_id: string }>>('/api/v1/admin/containers');
  for (const c of Array.isArray(list.body) ? list.body : []) {
    await admin.fetch(`/api/v1/admin/containers/${c.url_id}`, { method: 'DELETE' });
  }
}
