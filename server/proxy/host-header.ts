import type { IncomingMessage } from 'node:http';
import { HubError } from '../errors';

/**
 * True when a request carries more than one Host header line. Node keeps the first and drops
 * the rest, while a proxy or cache in front of the hub may route by the last: the two would
 * disagree on which origin (the hub's, or which app's) the request is for. RFC 9112 §3.2 asks
 * for a 400; Node itself already refuses a request with no Host.
 */
export function hasManyHosts(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}

export const manyHosts = (): HubError =>
  new HubError(
    400,
    'host_ambiguous',
    'the request carries more than one Host header: send exactly one, naming the hub or the application',
  );
