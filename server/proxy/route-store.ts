/** One proxied application: where requests under its url_id go, and whose it is. */
export interface Route {
  /** Random hex id in the URL: `/user/<user>/containers/<urlId>/`. */
  urlId: string;
  /** Owner's name; only this user reaches the container. */
  user: string;
  /** `http://host:port` of the container's web port. */
  target: string;
  containerId: string;
  /** 'dead' routes answer 503 with an offer to start the app again. */
  status: 'running' | 'dead';
  /** The grant the container was started from (for "start it again"). */
  mappingId: string;
  /** Epoch ms of the last successful proxied response or WebSocket message. */
  lastActivity: number;
}

/** What `set` needs; `status` defaults to 'running', `lastActivity` to now. */
export type RouteInit = Omit<Route, 'status' | 'lastActivity'> &
  Partial<Pick<Route, 'status' | 'lastActivity'>>;

/**
 * The proxy's route table: in memory, keyed by url_id, constant-time lookup. Docker is the
 * source of truth; the spawner fills this at start from container labels and keeps it current.
 * `touch` is called on every proxied response and WebSocket message, so it only writes a number
 * in memory: the idle culler reads `lastActivity`, nothing is written to the database.
 */
export class RouteStore {
  private readonly routes = new Map<string, Route>();

  get(urlId: string): Readonly<Route> | undefined {
    return this.routes.get(urlId);
  }

  /** Adds or replaces the route for `route.urlId`. */
  set(route: RouteInit): Readonly<Route> {
    const stored: Route = { status: 'running', lastActivity: Date.now(), ...route };
    this.routes.set(stored.urlId, stored);
    return stored;
  }

  /** Returns whether a route was removed. */
  delete(urlId: string): boolean {
    return this.routes.delete(urlId);
  }

  /** A snapshot of all routes. */
  list(): Readonly<Route>[] {
    return [...this.routes.values()];
  }

  /** The container died: keep the route so its URL answers 503 "start it again", not 404. */
  markDead(urlId: string): void {
    const route = this.routes.get(urlId);
    if (route) route.status = 'dead';
  }

  touch(urlId: string, now = Date.now()): void {
    const route = this.routes.get(urlId);
    if (route) route.lastActivity = now;
  }

  get size(): number {
    return this.routes.size;
  }
}
