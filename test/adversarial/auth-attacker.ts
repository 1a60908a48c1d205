import net from 'node:net';
import { Client } from '../helpers/hub';

/**
 * What an attacker of the login and account routes holds: a plain HTTP client, a chosen
 * client address (the hub under test trusts X-Forwarded-For, as behind a TLS proxy), and raw
 * sockets for what fetch cannot send.
 */
export class Attacker extends Client {
  constructor(
    base: string,
    readonly address: string,
  ) {
    super(base);
  }

  override fetch(p: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('x-forwarded-for')) headers.set('x-forwarded-for', this.address);
    return super.fetch(p, { ...init, headers });
  }

  /** A form login as the browser's login form posts it. */
  formLogin(username: string, password: string, next?: string, query = ''): Promise<Response> {
    const fields: Record<string, string> = { username, password };
    if (next !== undefined) fields.next = next;
    return this.fetch(`/login${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/** The error body of a refusal: every refusal carries a code and a message to act on. */
export async function refusalOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error?: { code?: string; message?: string } };
  expect(body.error?.code).toEqual(expect.any(String));
  expect(body.error?.message).toEqual(expect.any(String));
  return body.error as { code: string; message: string };
}

export interface RawAnswer {
  /** Everything the server sent before it closed the connection. */
  text: string;
  status: number | null;
  /** Whether the server closed the connection (rather than the test giving up). */
  closedByServer: boolean;
}

/**
 * Writes `chunks` on a raw TCP connection and collects the answer until the server closes it.
 * Gives up after `giveUpMs` (a generous bound so a hung server fails the test, not a speed
 * assertion).
 */
export function rawExchange(port: number, chunks: string[], giveUpMs = 60_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, status: statusOf(text), closedByServer: false });
    }, giveUpMs);
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
    });
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', (err) => {
      clearTimeout(timer);
      // A reset after the answer still counts as the server closing.
      if (text) resolve({ text, status: statusOf(text), closedByServer: true });
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, status: statusOf(text), closedByServer: true });
    });
  });
}

function statusOf(text: string): number | null {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return m ? Number(m[1]) : null;
}
