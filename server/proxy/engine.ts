import type { HubConfig } from '../config/schema';
import type { ProxyEngine } from './engine-types';
import { httpProxyEngine } from './http-proxy-engine';
import { UndiciEngine } from './undici-engine';

export type { ProxyEngine, UpstreamRequest, UpstreamResponse } from './engine-types';

/** The engines by short name, as config `proxy.engine` lists them. */
export type EngineName = HubConfig['proxy']['engine'];

/**
 * Which implementation of the http-proxy API the hub uses, chosen by measurement
 * (`node -r @swc-node/register bench/proxy.ts --engines`, 2026-11-22: 2-core shared box,
 * Node 20, C echo backend, 8 keep-alive connections, two interleaved rounds; soak = 2,000
 * WebSockets hung up without a close frame + 200 clients leaving a 1 GiB download, counted 5 s
 * later; "raw" = the engine alone, "hub" = inside createUserProxy with the real session check):
 *
 *   proxy                small req/s    CPU µs/req   open fds before → after soak
 *   raw undici           24.5k, 27.2k     38, 36     36 → 22,  37 → 22
 *   raw http-proxy-3     12.0k, 13.6k     85, 75     31 → 22,  31 → 22
 *   raw http-proxy       16.9k, 12.9k     59, 79     31 → 222, 31 → 222  (leaks ~190 sockets)
 *   hub on undici        15.8k, 17.1k     69, 64     35 → 25,  34 → 25
 *   hub on http-proxy-3   8.0k,  7.9k    138, 139    34 → 25,  34 → 25
 *   hub on http-proxy     8.2k,  9.6k    132, 115    34 → 25,  34 → 25
 *
 * Both http-proxy packages forward with http.request, whose ClientRequest/IncomingMessage pair
 * per exchange costs more than the whole rest of the hub's work; undici's pooled client does
 * the same exchange for about half the CPU. http-proxy 1.18 also leaks the upstream socket of
 * every client that leaves mid-response (it waits for 'aborted', which Node no longer emits)
 * and is unmaintained. Hence `undici` (HTTP on undici, upgrades on http-proxy-3, see
 * undici-engine.ts), which passes the soak on its own as http-proxy-3 does, so a gap in the
 * hub's own socket hygiene does not become a leak. The others stay selectable (`proxy.engine`)
 * for re-measuring.
 */
export const DEFAULT_ENGINE: EngineName = 'undici';

export function createEngine(name: EngineName = DEFAULT_ENGINE): ProxyEngine {
  return name === 'undici' ? new UndiciEngine() : httpProxyEngine(name);
}
