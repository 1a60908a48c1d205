import type { AuditEvent } from './types';

/** What happened, in words, by action; unknown actions show as they are. */
const ACTIONS: Record<string, string> = {
  login: 'Logged in',
  'login.failed': 'Failed to log in',
  logout: 'Logged out',
  'user.create': 'Created a user',
  'user.update': 'Changed a user',
  'user.delete': 'Deleted a user',
  'user.password': 'Changed a password',
  'application.register': 'Registered an image',
  'application.unregister': 'Unregistered an image',
  'grant.create': 'Granted an app',
  'grant.revoke': 'Revoked an app',
  'container.start': 'Started an app',
  'container.start_failed': 'An app failed to start',
  'container.stop': 'Stopped an app',
  'container.admin_stop': 'An admin stopped an app',
  'container.died': 'An app stopped on its own',
  'container.remove': 'Removed an app’s container',
  'container.adopt': 'Took over a running app after a restart',
  'container.cull': 'Stopped an idle app',
  'application.updated': 'Noticed a new image for an app',
  'container.updated': 'Restarted an app onto its new image',
  'image.remove': 'Removed an app’s image',
  'image.remove_failed': 'Could not remove an app’s image',
  'image.prune': 'Removed unused images',
  'workspace.delete': 'Deleted a user’s workspace',
  'workspace.delete_failed': 'Could not delete a user’s workspace',
  'token.create': 'Created an API token',
  'token.revoke': 'Revoked an API token',
  'share.create': 'Shared an app',
  'share.revoke': 'Stopped sharing an app',
};

export function actionText(action: string): string {
  return ACTIONS[action] ?? action;
}

const HEX_ID = /^[0-9a-f]{32,}$/;

/** A hex id cut to its first characters: enough to tell ids apart, short enough to read. */
export function shortId(id: string): string {
  return HEX_ID.test(id) ? `${id.slice(0, 8)}…` : id;
}

/** Words for detail keys; keys not listed are shown with `_` as spaces. */
const KEYS: Record<string, string> = {
  mapping_id: 'grant',
  exit_code: 'exit code',
  app_license: 'licence',
  url_id: 'container',
};

/** Details as "key: value" pairs a person can read, without what the row already shows. */
export function detailPairs(e: AuditEvent): Array<[string, string]> {
  const details = e.details;
  if (details === null || details === undefined || details === '') return [];
  if (typeof details !== 'object') return [['', String(details)]];
  const out: Array<[string, string]> = [];
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      if (v === null || v === undefined || v === false || v === '') continue;
      if (k === 'image' && e.app && !prefix) continue;
      const key = prefix + (KEYS[k] ?? k.replace(/_/g, ' '));
      if (typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, `${key} `);
      else out.push([key, v === true ? 'yes' : shortId(Array.isArray(v) ? v.join(', ') : String(v))]);
    }
  };
  walk(details as Record<string, unknown>, '');
  return out;
}
