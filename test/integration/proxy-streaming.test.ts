import http from 'node:http';
import { Readable } from 'node:stream';
import { type EchoContainer, runEcho } from '../helpers/echo-image';
import { newUrlId, type ProxyHarness, startProxyHarness } from './proxy-harness';

// Bodies stream both ways: the hub's memory must not grow with the body. The transfer runs in
// this process too (client + proxy), so the bound covers both; it is a size ratio, not a time.
const SIZE = 256 * 1024 * 1024;
const MAX_GROWTH_RATIO = 1 / 4;

let echo: EchoContainer;
let hub: ProxyHarness;
const ID = newUrlId();
const PATH = `/user/alice/containers/${ID}/`;
const headers = { cookie: 'hub-session=alice' };

beforeAll(async () => {
  echo = await runEcho();
  hub = await startProxyHarness();
  hub.routes.set({
    urlId: ID,
    user: 'alice',
    target: echo.target,
    containerId: echo.id,
    mappingId: 'm',
  });
});

afterAll(async () => {
  await hub?.close();
  await echo?.stop();
});

/** Runs `transfer` while sampling RSS; returns its result and the peak growth in bytes. */
async function measure<T>(transfer: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const result = await transfer();
    return { result, growth: Math.max(peak, process.memoryUsage.rss()) - baseline };
  } finally {
    clearInterval(sampler);
  }
}

it('streams a 256 MiB download with flat memory', async () => {
  const { result, growth } = await measure(
    () =>
      new Promise<number>((resolve, reject) => {
        http
          .get(
            {
              host: '127.0.0.1',
              port: hub.port,
              path: `${PATH}bytes/${SIZE}`,
              headers,
              agent: false,
            },
            (res) => {
              let n = 0;
              res.on('data', (c: Buffer) => (n += c.length));
              res.on('end', () => resolve(n));
              res.on('error', reject);
            },
          )
          .on('error', reject);
      }),
  );
  expect(result).toBe(SIZE);
  expect(growth / SIZE).toBeLessThan(MAX_GROWTH_RATIO);
});

it('streams a 256 MiB upload with flat memory', async () => {
  const chunk = Buffer.alloc(64 * 1024, 'u');
  async function* body() {
    for (let sent = 0; sent < SIZE; sent += chunk.length) yield chunk;
  }
  const { result, growth } = await measure(
    () =>
      new Promise<string>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: hub.port,
            path: `${PATH}sink`,
            method: 'POST',
            headers: { ...headers, 'content-length': SIZE },
            agent: false,
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(text.trim()));
          },
        );
        req.on('error', reject);
        Readable.from(body()).pipe(req);
      }),
  );
  expect(result).toBe(String(SIZE));
  expect(growth / SIZE).toBeLessThan(MAX_GROWTH_RATIO);
});
