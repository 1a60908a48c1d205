/**
 * What the container manager needs from the proxy's route store (server/proxy/route-store.ts,
 * whose RouteStore satisfies this). Declared here so the manager is tested with a plain map and
 * depends on nothing else the proxy offers.
 */
export interface RouteEntry {
  urlId: string;
  user: string;
  /** `http://ip:port` */
  target: string;
  containerId: string;
  status: 'running' | 'dead';
  mappingId: string;
  /** Epoch ms of the last proxied activity. */
  lastActivity: number;
}

export interface RouteTable {
  set(route: RouteEntry): unknown;
  get(urlId: string): Readonly<RouteEntry> | null | undefined;
  delete(urlId: string): unknown;
  markDead(urlId: string): void;
  touch(urlId: string): void;
  list(): Readonly<RouteEntry>[];
}
