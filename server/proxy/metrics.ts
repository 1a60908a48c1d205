import { Counter, Gauge, type Registry } from 'prom-client';

/** What the proxy reports to Prometheus; one instance per registry. */
export interface ProxyMetrics {
  /** Counts an answered request (proxied or refused) by its status class. */
  request(status: number): void;
  /** Adds bytes: `fromClient` went to the app, `toClient` came from it (wire bytes). */
  bytes(fromClient: number, toClient: number): void;
  websocketOpened(): void;
  websocketClosed(): void;
  /** Counts a failure talking to an app: 'refused', 'timeout', 'reset' or 'other'. */
  upstreamError(kind: string): void;
}

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** Creates (or reuses, when the registry already has them) the proxy's metrics. */
export function createProxyMetrics(registry: Registry): ProxyMetrics {
  const requests = metric(
    registry,
    'hub_proxy_requests_total',
    () =>
      new Counter({
        name: 'hub_proxy_requests_total',
        help: 'Requests under /user/ answered by the proxy, by status class (refusals included).',
        labelNames: ['status_class'],
        registers: [registry],
      }),
  );
  const bytes = metric(
    registry,
    'hub_proxy_bytes_total',
    () =>
      new Counter({
        name: 'hub_proxy_bytes_total',
        help: 'Bytes through the proxy: direction "in" from clients to apps, "out" from apps to clients.',
        labelNames: ['direction'],
        registers: [registry],
      }),
  );
  const sockets = metric(
    registry,
    'hub_proxy_websockets_open',
    () =>
      new Gauge({
        name: 'hub_proxy_websockets_open',
        help: 'WebSocket connections currently proxied.',
        registers: [registry],
      }),
  );
  const errors = metric(
    registry,
    'hub_proxy_upstream_errors_total',
    () =>
      new Counter({
        name: 'hub_proxy_upstream_errors_total',
        help: 'Failures reaching an app: refused, timeout (no headers in time), reset, other.',
        labelNames: ['kind'],
        registers: [registry],
      }),
  );
  // Label children resolved once: the per-request cost is then a plain increment.
  const byClass = CLASSES.map((c) => requests.labels(c));
  const bytesIn = bytes.labels('in');
  const bytesOut = bytes.labels('out');
  return {
    request: (status) => byClass[Math.min(Math.max(Math.floor(status / 100), 1), 5) - 1].inc(),
    bytes: (fromClient, toClient) => {
      if (fromClient > 0) bytesIn.inc(fromClient);
      if (toClient > 0) bytesOut.inc(toClient);
    },
    websocketOpened: () => sockets.inc(),
    websocketClosed: () => sockets.dec(),
    upstreamError: (kind) => errors.labels(kind).inc(),
  };
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
