/** Whole seconds from `now` until `iso`; null when `iso` is absent or not a date. */
export function secondsUntil(iso: string | null | undefined, now = Date.now()): number | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? null : Math.round((at - now) / 1000);
}

/** "45 s", "3 min", "2 h 5 min": short durations for warnings and countdowns. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
}

/** A local date and time, or "—" when unknown. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '—';
  return at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "5 min ago" for recent times, else the date. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  const secs = secondsUntil(iso, now);
  if (secs === null) return '—';
  const ago = -secs;
  // Slightly in the future means a stale `now` or a skewed clock, not a real future time.
  if (ago < -300) return formatDateTime(iso);
  if (ago < 45) return 'just now';
  if (ago < 24 * 3600) return `${formatDuration(ago)} ago`;
  return formatDateTime(iso);
}
