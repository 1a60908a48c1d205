/** Every page of the portal, by id. */
export type RouteId =
  | 'login'
  | 'launcher'
  | 'account'
  | 'admin'
  | 'admin-users'
  | 'admin-images'
  | 'admin-grants'
  | 'admin-containers'
  | 'admin-audit'
  | 'not-found';

/** A page: where it lives, its title, and who may see it. */
export interface RouteDef {
  id: RouteId;
  path: string;
  title: string;
  /** Needs a session; without one the shell sends the user to /login?next=... */
  auth: boolean;
  /** Admins only. */
  admin: boolean;
}

export const ROUTES: readonly RouteDef[] = [
  { id: 'login', path: '/login', title: 'Log in', auth: false, admin: false },
  { id: 'launcher', path: '/hub/launcher', title: 'Applications', auth: true, admin: false },
  { id: 'account', path: '/hub/account', title: 'Account', auth: true, admin: false },
  { id: 'admin', path: '/hub/admin', title: 'Admin dashboard', auth: true, admin: true },
  { id: 'admin-users', path: '/hub/admin/users', title: 'Users', auth: true, admin: true },
  { id: 'admin-images', path: '/hub/admin/images', title: 'Images', auth: true, admin: true },
  { id: 'admin-grants', path: '/hub/admin/grants', title: 'Grants', auth: true, admin: true },
  {
    id: 'admin-containers',
    path: '/hub/admin/containers',
    title: 'Running containers',
    auth: true,
    admin: true,
  },
  { id: 'admin-audit', path: '/hub/admin/audit', title: 'Audit log', auth: true, admin: true },
];

const NOT_FOUND: RouteDef = {
  id: 'not-found',
  path: '',
  title: 'Page not found',
  auth: true,
  admin: false,
};

/** Aliases that only redirect: the hub's root pages land on the launcher. */
const REDIRECTS: Record<string, string> = {
  '/': '/hub/launcher',
  '/hub': '/hub/launcher',
  '/hub/': '/hub/launcher',
};

/** What to show for a path: a page, or a path to replace it with. */
export type Match = { route: RouteDef } | { redirect: string };

export function matchRoute(pathname: string): Match {
  if (REDIRECTS[pathname]) return { redirect: REDIRECTS[pathname] };
  // A trailing slash is the same page; it is normalised so links and highlights agree.
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  const route = ROUTES.find((r) => r.path === trimmed);
  if (route) return trimmed === pathname ? { route } : { redirect: trimmed };
  return { route: NOT_FOUND };
}
