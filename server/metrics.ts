import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The hub's own metrics. Each hub has its own registry (tests boot several hubs in one
 * process); parts add their metrics to `hub.registry` themselves.
 */
export interface HubMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'status'>;
  httpDuration: Histogram<'method'>;
  logins: Counter<'result'>;
}

export function createMetrics(): HubMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hub_process_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'hub_http_requests_total',
      help: 'Requests answered by the hub itself (not proxied), by method and status class.',
      labelNames: ['method', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'hub_http_request_duration_seconds',
      help: 'Time to answer hub requests (not proxied).',
      labelNames: ['method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    logins: new Counter({
      name: 'hub_logins_total',
      help: 'Login attempts by result: success, failure (wrong name or password), locked.',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
