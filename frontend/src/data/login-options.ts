import type { LoginOptions } from '../../../server/api/wire';
import { request } from './api';

export type { LoginOptions };

/** What the login page offers: the password form, and a button per identity provider. */
export function fetchLoginOptions(): Promise<LoginOptions> {
  return request<LoginOptions>('GET', '/api/v1/login-options', { quiet401: true });
}

/** Where a provider's button goes, carrying the page the user was heading for. */
export function providerUrl(url: string, next: string): string {
  return next ? `${url}?next=${encodeURIComponent(next)}` : url;
}
