import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { FrameBoundary, PING_FRAME } from './ws-frames';

/** Callbacks a tunnel reports to; all must be cheap (they run per chunk). */
export interface TunnelHooks {
  /** Any traffic in either direction (the route's last activity). */
  activity(urlId: string, now: number): void;
  opened(): void;
  /** Once per tunnel, with the wire bytes of the client side. */
  closed(bytesFromClient: number, bytesToClient: number): void;
}

/** Who opened a tunnel, so it can be closed when that login ends. */
export interface TunnelOwner {
  /** Null for an anonymous share viewer. */
  userId: number | null;
  /** Hash of the session or token the upgrade was authorised with; null when none. */
  credentialHash: string | null;
  /** The share link the tunnel was opened through: revoking it closes the tunnel. */
  shareId?: string;
}

interface Tunnel {
  client: Duplex;
  upstream: Socket;
  frames: FrameBoundary;
  last: number;
  owner: TunnelOwner | null;
}

// After one side closes, the other gets a graceful end; it is destroyed if still open after this.
const LINGER_MS = 2000;

/**
 * The open WebSocket tunnels (client socket ⇄ app socket, piped by the engine). It adds what
 * a bare pipe does not do: closing either side frees the other (no half-dead upstream sockets),
 * activity reporting, and keepalive pings so that idle connections (a VNC session left open)
 * are not cut by NATs or proxies in front of the hub.
 *
 * A ping goes to the client once the tunnel has been idle for a whole interval, and only at a
 * frame boundary of the app's stream. The browser's pong then travels to the app, which is
 * fine: RFC 6455 §5.5.3 allows unsolicited pongs and says they need no answer.
 */
export class WsTunnels {
  private readonly tunnels = new Set<Tunnel>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly pingMs: number,
    private readonly hooks: TunnelHooks,
  ) {
    this.sweeper = setInterval(() => this.sweep(), pingMs);
    this.sweeper.unref();
  }

  get size(): number {
    return this.tunnels.size;
  }

  /** Registers a tunnel; call before the sockets are piped so no byte goes unseen. */
  add(client: Duplex, upstream: Socket, urlId: string, owner: TunnelOwner | null = null): void {
    const t: Tunnel = { client, upstream, frames: new FrameBoundary(), last: Date.now(), owner };
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    this.tunnels.add(t);
    this.hooks.opened();
    upstream.on('data', (chunk: Buffer) => {
      t.frames.feed(chunk);
      t.last = Date.now();
      this.hooks.activity(urlId, t.last);
    });
    client.on('data', () => {
      t.last = Date.now();
      this.hooks.activity(urlId, t.last);
    });
    // Observing 'data' starts the upstream flowing; bytes that came with the 101 (VNC's RFB
    // greeting) and any unshifted later would then go to this observer alone. The engine's
    // pipe(), right after add(), resumes the socket with both listeners in place.
    upstream.pause();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      this.tunnels.delete(t);
      const sock = client as Partial<Socket>;
      this.hooks.closed(sock.bytesRead ?? 0, sock.bytesWritten ?? 0);
    };
    const closeOther = (other: Duplex) => () => {
      finish();
      if (other.destroyed) return;
      other.end();
      setTimeout(() => other.destroy(), LINGER_MS).unref();
    };
    client.once('close', closeOther(upstream));
    upstream.once('close', closeOther(client));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  }

  private sweep(): void {
    const idleSince = Date.now() - this.pingMs + 50;
    for (const t of this.tunnels) {
      if (t.last <= idleSince && t.frames.atBoundary && t.client.writable) {
        t.client.write(PING_FRAME);
        t.last = Date.now();
      }
    }
  }

  /** Closes the tunnels whose owner matches; returns how many. */
  closeOwnedBy(match: (owner: TunnelOwner) => boolean): number {
    let n = 0;
    for (const t of this.tunnels) {
      if (!t.owner || !match(t.owner)) continue;
      n++;
      this.tunnels.delete(t);
      t.client.destroy();
      t.upstream.destroy();
    }
    return n;
  }

  /** The distinct credentials that hold tunnels open (for re-checking them now and then). */
  credentials(): Set<string> {
    const out = new Set<string>();
    for (const t of this.tunnels) if (t.owner?.credentialHash) out.add(t.owner.credentialHash);
    return out;
  }

  /** Stops the keepalive timer and drops every tunnel. */
  close(): void {
    clearInterval(this.sweeper);
    for (const t of this.tunnels) {
      t.client.destroy();
      t.upstream.destroy();
    }
    this.tunnels.clear();
  }
}
