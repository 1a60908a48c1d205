import type { Share, ShareCreate, ShareCreated } from '../../../server/api/wire';
import { request, seg } from './api';

export type { Share, ShareCreated };
export type ShareMode = ShareCreate['mode'];

const base = (urlId: string) => `/api/v1/containers/${seg(urlId)}/shares`;

/** The caller's share links of one of their containers, newest first (ended ones included). */
export function listShares(urlId: string): Promise<Share[]> {
  return request<Share[]>('GET', base(urlId));
}

/** Creates a link; `user` null lets anyone allowed by the hub in (see `Me.shares_anonymous`). */
export function createShare(
  urlId: string,
  opts: { mode: ShareMode; expiresIn: number; user: string | null },
): Promise<ShareCreated> {
  const body: ShareCreate = { mode: opts.mode, expires_in: opts.expiresIn };
  if (opts.user) body.user = opts.user;
  return request<ShareCreated>('POST', base(urlId), { body });
}

/** Ends a link and closes the connections it opened. */
export function revokeShare(urlId: string, id: string): Promise<void> {
  return request<void>('DELETE', `${base(urlId)}/${seg(id)}`);
}
