import type { Logger } from '../log';

export interface EventStreamOptions {
  /** What is followed, for the log (`container events of realm x`, `image events`). */
  name: string;
  /** Opens the engine's /events stream (filters are the caller's); ended through `signal`. */
  open(signal: AbortSignal): Promise<NodeJS.ReadableStream>;
  /** One event, parsed from its JSON line. */
  onEvent(event: unknown): void;
  /** Up after each (re)connect (events may have been missed: re-sync), down when it breaks. */
  onConnection(connected: boolean): void;
  log: Logger;
  /** First reconnect delay; doubles on each failure up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Follows one Docker event stream and reconnects, with exponential backoff, whenever it ends or
 * the engine is unreachable: a Docker restart must not need a hub restart. The one reconnect
 * loop the spawner's container events and the catalogue's image events share.
 */
export class EventStream {
  private controller: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private live = false;
  private stopped = true;
  private backoffMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly opts: EventStreamOptions) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.backoffMs = this.initialBackoffMs;
  }

  /** True while a stream is open. */
  get connected(): boolean {
    return this.live;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.controller?.abort();
    this.controller = null;
    this.live = false;
  }

  private async connect(): Promise<void> {
    this.timer = null;
    const controller = new AbortController();
    this.controller = controller;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.opts.open(controller.signal);
    } catch (err) {
      this.retry(err);
      return;
    }
    if (this.stopped || this.controller !== controller) {
      controller.abort();
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      return;
    }
    this.live = true;
    this.backoffMs = this.initialBackoffMs;
    this.opts.log.info(`following Docker ${this.opts.name}`);
    let pending = '';
    stream.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.handleLine(line);
    });
    let closed = false;
    const onClose = (err?: unknown) => {
      if (closed || this.controller !== controller) return;
      closed = true;
      this.live = false;
      this.opts.onConnection(false);
      this.retry(err ?? new Error('the event stream ended'));
    };
    stream.on('error', onClose);
    stream.on('end', () => onClose());
    stream.on('close', () => onClose());
    this.opts.onConnection(true);
  }

  private handleLine(line: string): void {
    if (!line.trim()) return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      this.opts.log.warn({ line: line.slice(0, 200) }, 'unreadable Docker event ignored');
      return;
    }
    this.opts.onEvent(event);
  }

  private retry(err: unknown): void {
    if (this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    this.opts.log.warn(
      { err: (err as Error)?.message, retry_ms: delay },
      `Docker ${this.opts.name} unavailable; reconnecting`,
    );
    this.timer = setTimeout(() => void this.connect(), delay);
    this.timer.unref();
  }
}
