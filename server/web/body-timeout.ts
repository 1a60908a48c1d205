import type { Middleware } from 'koa';
import { HubError } from '../errors';

/** 408: the client stopped sending its body. The connection is closed after the answer. */
export class BodyTimeout extends HubError {
  constructor(seconds: number) {
    super(
      408,
      'body_timeout',
      `the request body did not arrive within ${seconds} s; send it whole and promptly`,
      undefined,
      { Connection: 'close' },
    );
  }
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Times out stalled request bodies on the hub's own routes. The Node server runs with
 * `requestTimeout = 0` so that long uploads, WebSockets and SSE to apps live on; those pass
 * the raw proxy and never reach Koa. Here a body that is not whole within `seconds` (a slow
 * loris holding a connection and a parser open) is answered 408 and its connection closed.
 * Mounted before the body parser; a body nobody reads still counts as arrived once Node has
 * it all (`req.complete`), and an answer sent before the body is whole closes the connection.
 */
export function bodyTimeout(seconds: number): Middleware {
  return async (ctx, next) => {
    const req = ctx.req;
    if (req.complete || !hasBody(req.headers)) return next();
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (req.complete || ctx.res.headersSent) return;
        // A body finishing between the 408 and the close must not reach a route that would
        // then act on it: no more of it is read.
        req.pause();
        reject(new BodyTimeout(seconds));
      }, seconds * 1000);
    });
    const stop = () => clearTimeout(timer);
    req.once('end', stop);
    ctx.res.once('close', stop);
    try {
      // After a 408 the rest of the chain may still be waiting on the body; closing the
      // connection ends that wait, and race() has already taken its outcome.
      await Promise.race([next(), stalled]);
    } finally {
      stop();
      // Answered before the body was whole (a refusal, or a route that reads no body): close
      // rather than wait, with no timeout, for the rest of a body nobody wants.
      if (!req.complete && !ctx.res.headersSent) ctx.set('Connection', 'close');
    }
  };
}
