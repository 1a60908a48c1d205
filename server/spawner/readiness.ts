import http from 'node:http';

/** Outcome of one probe: an HTTP status, or why there was none. */
export type ProbeResult = { status: number } | { error: string };

/** One GET with a short deadline; the body is discarded. */
export function probe(url: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.get(
      url,
      { timeout: timeoutMs, agent: false, headers: { 'user-agent': 'hub-readiness' } },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', (err) =>
      resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }),
    );
  });
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called between probes; a non-null answer ends the wait with that error (container died). */
  check?: () => Promise<Error | null>;
  /** How often `check` runs (it may ask the engine, so not at every probe). */
  checkEveryMs?: number;
}

/** The app did not answer in time; the message names the setting to raise. */
export class AppNotReady extends Error {
  constructor(
    readonly seconds: number,
    readonly lastResult: string,
  ) {
    super(
      `the app did not answer HTTP within ${seconds} s (last try: ${lastResult}); raise spawner.http_timeout_seconds if it is just slow to start`,
    );
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Probe interval while most apps come up: a refused connect costs well under a millisecond. */
const DENSE_MS = 10;
const DENSE_FOR_MS = 3000;

/**
 * Polls `url` until the app answers with any status below 500 (a 404 or a login redirect means
 * the server is up; 5xx usually means a gateway inside the image that is not ready yet).
 * Probes are dense (every 10 ms) for the first 3 s, when most apps come up, then back off to
 * 500 ms: the spawn time a user sees should be the app's, not the poller's.
 */
export async function waitForHttp(url: string, opts: WaitOptions): Promise<void> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let interval = DENSE_MS;
  let last = 'not tried';
  let lastCheck = started;
  for (;;) {
    opts.signal?.throwIfAborted();
    const left = deadline - Date.now();
    if (left <= 0) throw new AppNotReady(Math.round(opts.timeoutMs / 1000), last);
    const r = await probe(url, Math.min(2000, Math.max(left, 50)));
    if ('status' in r && r.status < 500) return;
    last = 'status' in r ? `HTTP ${r.status}` : r.error;
    if (opts.check && Date.now() - lastCheck >= (opts.checkEveryMs ?? 1000)) {
      lastCheck = Date.now();
      const failure = await opts.check();
      if (failure) throw failure;
    }
    await sleep(Math.min(interval, Math.max(deadline - Date.now(), 0)), opts.signal);
    if (Date.now() - started > DENSE_FOR_MS) interval = Math.min(interval * 1.5, 500);
  }
}
