/** True when every word of `query` appears in one of `fields` (case-insensitive). */
export function matchesSearch(query: string, fields: Array<string | null | undefined>): boolean {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const text = fields
    .filter((f): f is string => !!f)
    .join(' ')
    .toLowerCase();
  return words.every((w) => text.includes(w));
}

/** Reads `?name=` of the page's URL. */
export function queryParam(name: string): string {
  return new URLSearchParams(location.search).get(name) ?? '';
}

/** Writes `?name=value` (or removes it) without a new history entry. */
export function setQueryParam(name: string, value: string): void {
  const q = new URLSearchParams(location.search);
  if (value) q.set(name, value);
  else q.delete(name);
  const qs = q.toString();
  history.replaceState(null, '', `${location.pathname}${qs ? `?${qs}` : ''}`);
}
