/**
 * Client-side navigation: the shell listens for NAVIGATE_EVENT and popstate and renders the
 * page of the new location. Elements call navigate() instead of touching history themselves.
 */
export const NAVIGATE_EVENT = 'hub-navigate';

export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** The current path with its query, as a `next` value for the login page. */
export function currentPathWithQuery(): string {
  return location.pathname + location.search;
}
