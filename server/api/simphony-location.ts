/**
 * The Location of a container started through SimPhoNy's API, in the one shape its client
 * `remoteapprest app start` (SimPhoNy-Remote 2.2) can turn into the app's address: it splits the
 * Location's path at its only `_`, takes what follows as the port and drops `/api/v1`, printing
 * `<scheme>://<host>:<port>/user/<name>/containers/<url_id>`. So the resource is named
 * `<url_id>_<port>` (the hub's own port), and an `_` in the user's name is percent-encoded
 * (a second `_` would make that split fail; the hub decodes the name on both paths).
 */
export function containerLocation(hubOrigin: string, user: string, urlId: string): string {
  const origin = new URL(hubOrigin);
  const port = origin.port || (origin.protocol === 'https:' ? '443' : '80');
  const name = encodeURIComponent(user).replace(/_/g, '%5F');
  return `${origin.origin}/user/${name}/api/v1/containers/${urlId}_${port}/`;
}

/**
 * The url_id a container resource names: `<url_id>` or the Location's `<url_id>_<port>`
 * (url_ids are hex, so the suffix cannot be part of one). Anything else is passed on as it is
 * and is then no container of the caller's.
 */
export function urlIdOfResource(id: string): string {
  const m = /^([0-9a-f]+)_\d{1,5}$/.exec(id);
  return m ? m[1] : id;
}
