import { request, seg } from './api';
import type { TokenCreate, TokenCreated, TokenInfo } from './types';

export type { TokenInfo };

/**
 * Changes the caller's password; the hub then ends all of their sessions, this one too, and
 * with `revokeTokens` every API token of theirs.
 */
export function changePassword(
  currentPassword: string,
  newPassword: string,
  revokeTokens: boolean,
): Promise<void> {
  return request<void>('POST', '/api/v1/me/password', {
    body: {
      current_password: currentPassword,
      new_password: newPassword,
      revoke_tokens: revokeTokens,
    },
  });
}

export function listTokens(): Promise<TokenInfo[]> {
  return request<TokenInfo[]>('GET', '/api/v1/tokens');
}

/** Creates a token; the answer holds the secret, which the hub never shows again. */
export function createToken(
  note: string,
  expiresInSeconds: number | null,
): Promise<TokenCreated> {
  const body: TokenCreate = {};
  if (note) body.note = note;
  if (expiresInSeconds) body.expires_in = expiresInSeconds;
  return request('POST', '/api/v1/tokens', { body });
}

export function revokeToken(id: number): Promise<void> {
  return request<void>('DELETE', `/api/v1/tokens/${seg(id)}`);
}
