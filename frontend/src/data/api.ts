/**
 * The one HTTP client of the portal. It adds the session's CSRF token to every request that
 * changes state, turns every failure into an ApiError carrying the server's own message, and
 * reports a lost session once so the shell can send the user to the login page.
 */

/** A failed API call, with the server's error code and its person-readable message. */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the hub could not be reached at all. */
    readonly status: number,
    /** The server's stable error code (`invalid_credentials`, `too_many_requests`, ...). */
    readonly code: string,
    message: string,
    /** Seconds to wait before retrying, from Retry-After or `error.retry_after`. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Remembers the session's CSRF token (from `POST /login` or `GET /api/v1/me`). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an API call answers 401: the session ended, the shell shows the login page. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Options of one request. */
export interface RequestOptions {
  /** JSON body. */
  body?: unknown;
  /** Do not call the unauthorized handler on 401 (the login page and the session probe). */
  quiet401?: boolean;
  /** Read the answer as text instead of JSON (container logs). */
  text?: boolean;
}

const STATUS_HINTS: Record<number, string> = {
  401: 'your session has ended: log in again',
  403: 'you are not allowed to do this',
  404: 'not found: it may have been removed; reload the page',
  429: 'too many requests: wait a moment and try again',
  502: 'the hub could not reach the service: try again in a moment',
  503: 'the hub is busy or a dependency is down: try again in a moment',
  504: 'the hub timed out: try again in a moment',
};

function retryAfterOf(res: Response, bodyValue: unknown): number | undefined {
  if (typeof bodyValue === 'number' && Number.isFinite(bodyValue)) return Math.ceil(bodyValue);
  const header = res.headers.get('Retry-After');
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.ceil(secs);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Builds the ApiError for a non-2xx answer, preferring the server's `{error: {code, message}}`. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = STATUS_HINTS[res.status] ?? `the hub answered ${res.status} ${res.statusText}`;
  let retryValue: unknown;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    const err = body?.error as Record<string, unknown> | undefined;
    if (err && typeof err.code === 'string') code = err.code;
    if (err && typeof err.message === 'string' && err.message) message = err.message;
    retryValue = err?.retry_after;
  } catch {
    // Not JSON (a proxy's error page): the status hint is the best message we have.
  }
  return new ApiError(res.status, code, message, retryAfterOf(res, retryValue));
}

/** Sends one request to the hub and returns the parsed answer (undefined for 204). */
export async function request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: opts.text ? 'text/plain' : 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch {
    throw new ApiError(0, 'network', 'could not reach the hub: check your connection and retry');
  }
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (res.status === 401 && !opts.quiet401) onUnauthorized?.();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  if (opts.text) return (await res.text()) as T;
  const type = res.headers.get('Content-Type') ?? '';
  if (!type.includes('json')) return undefined as T;
  return (await res.json()) as T;
}

/** Encodes one path segment (user names and image names may hold `/` or `:`). */
export function seg(value: string | number): string {
  return encodeURIComponent(String(value));
}

/** Human text of any thrown value, for error banners. */
export function messageOf(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'something went wrong: reload the page and try again';
}
