import { ApiError, request, setCsrfToken } from './api';
import type { Me } from './types';

/** The caller, or null when nobody is logged in. Also remembers the CSRF token. */
export async function fetchMe(): Promise<Me | null> {
  try {
    const me = await request<Me>('GET', '/api/v1/me', { quiet401: true });
    setCsrfToken(me.csrf_token);
    return me;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/**
 * Logs in with a password. Fails with ApiError: 401 `invalid_credentials`, or 429 with
 * `retryAfter` seconds when the account or address is locked out.
 */
export async function login(username: string, password: string): Promise<Me> {
  const me = await request<Me>('POST', '/login', { body: { username, password }, quiet401: true });
  setCsrfToken(me.csrf_token);
  return me;
}

/** Ends the session. */
export async function logout(): Promise<void> {
  await request<void>('POST', '/logout', { quiet401: true });
  setCsrfToken(null);
}
