import { LitElement, css, html, type TemplateResult } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { messageOf, setUnauthorizedHandler } from '../data/api';
import { fetchMe, logout } from '../data/session';
import type { Me } from '../data/types';
import { safeNext } from '../data/urls';
import { NAVIGATE_EVENT, currentPathWithQuery, navigate } from '../navigation';
import { matchRoute, type RouteDef, type RouteId } from '../routes';
import { theme } from '../styles/theme';
import './error-state';
import './loading-state';

/** Page modules, loaded on first visit so the login page stays small. */
const PAGES: Record<RouteId, () => Promise<unknown>> = {
  login: () => import('../pages/login-page'),
  launcher: () => import('../pages/launcher-page'),
  account: () => import('../pages/account-page'),
  admin: () => import('../pages/admin-dashboard-page'),
  'admin-users': () => import('../pages/admin-users-page'),
  'admin-images': () => import('../pages/admin-images-page'),
  'admin-grants': () => import('../pages/admin-grants-page'),
  'admin-containers': () => import('../pages/admin-containers-page'),
  'admin-audit': () => import('../pages/admin-audit-page'),
  'not-found': () => Promise.resolve(),
};

const ADMIN_TABS: { id: RouteId; path: string; label: string }[] = [
  { id: 'admin', path: '/hub/admin', label: 'Dashboard' },
  { id: 'admin-users', path: '/hub/admin/users', label: 'Users' },
  { id: 'admin-images', path: '/hub/admin/images', label: 'Images' },
  { id: 'admin-grants', path: '/hub/admin/grants', label: 'Grants' },
  { id: 'admin-containers', path: '/hub/admin/containers', label: 'Containers' },
  { id: 'admin-audit', path: '/hub/admin/audit', label: 'Audit log' },
];

/**
 * The portal's shell: finds out who is logged in, routes the location to a page, guards hub
 * pages (no session → /login?next=..., not an admin → an explanation), and draws the header
 * and the admin tabs. Links to portal pages are followed without reloading.
 */
@customElement('hub-app')
export class HubApp extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
        min-height: 100vh;
        background: var(--c-bg);
      }
      .skip {
        position: absolute;
        left: 0.5rem;
        top: -3rem;
        background: var(--c-surface);
        padding: 0.5rem 0.75rem;
        border-radius: 6px;
        z-index: 10;
      }
      .skip:focus {
        top: 0.5rem;
      }
      header {
        background: #111827;
        color: #f9fafb;
      }
      .bar {
        max-width: 80rem;
        margin: 0 auto;
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.25rem 1rem;
        padding: 0.5rem 1rem;
      }
      .brand {
        font-weight: 800;
        font-size: 1.1rem;
        color: #fff;
        text-decoration: none;
        margin-right: 0.5rem;
        padding: 0.3rem 0;
      }
      header nav {
        display: flex;
        gap: 0.25rem;
        flex: 1;
      }
      header nav a {
        color: #e5e7eb;
        text-decoration: none;
        padding: 0.45rem 0.7rem;
        border-radius: 6px;
        font-weight: 600;
      }
      header nav a:hover {
        background: #1f2937;
        color: #fff;
      }
      header nav a[aria-current='page'] {
        background: #374151;
        color: #fff;
      }
      header :focus-visible {
        outline-color: #93c5fd;
      }
      .who {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        color: #d1d5db;
        font-size: 0.925rem;
      }
      .who strong {
        color: #fff;
      }
      .who .btn {
        background: transparent;
        color: #f9fafb;
        border-color: #6b7280;
      }
      .who .btn:hover {
        background: #1f2937;
      }
      main:focus {
        outline: none;
      }
      main {
        max-width: 80rem;
        margin: 0 auto;
        padding: 1.25rem 1rem 3rem;
      }
      .tabs {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem;
        border-bottom: 1px solid var(--c-border);
        margin-bottom: 1.25rem;
      }
      .tabs a {
        padding: 0.5rem 0.8rem;
        text-decoration: none;
        color: var(--c-muted);
        font-weight: 600;
        border-bottom: 3px solid transparent;
        margin-bottom: -1px;
      }
      .tabs a:hover {
        color: var(--c-text);
      }
      .tabs a[aria-current='page'] {
        color: var(--c-primary);
        border-bottom-color: var(--c-primary);
      }
      @media (max-width: 480px) {
        .who span.label {
          display: none;
        }
        .tabs a {
          padding: 0.45rem 0.55rem;
        }
      }
    `,
  ];

  /** undefined while asking the hub, null when nobody is logged in. */
  @state() private me: Me | null | undefined = undefined;
  @state() private meError = '';
  @state() private route: RouteDef | null = null;
  @state() private pageReady = false;
  @state() private pageError = '';

  /** Set after the first page: later pages take focus so screen readers announce them. */
  private navigated = false;
  private readonly onLocation = () => void this.resolveLocation();
  private readonly onClick = (e: MouseEvent) => this.interceptLink(e);

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.onLocation);
    window.addEventListener(NAVIGATE_EVENT, this.onLocation);
    this.addEventListener('click', this.onClick);
    setUnauthorizedHandler(() => {
      // The session ended while using the portal: go to login and come back here after.
      this.me = null;
      void this.resolveLocation();
    });
    void this.start();
  }

  override disconnectedCallback(): void {
    window.removeEventListener('popstate', this.onLocation);
    window.removeEventListener(NAVIGATE_EVENT, this.onLocation);
    this.removeEventListener('click', this.onClick);
    setUnauthorizedHandler(null);
    super.disconnectedCallback();
  }

  private async start(): Promise<void> {
    this.meError = '';
    try {
      this.me = await fetchMe();
    } catch (err) {
      this.meError = messageOf(err);
      return;
    }
    await this.resolveLocation();
  }

  /** Decides what to show for the current location, redirecting where the rules say so. */
  private async resolveLocation(): Promise<void> {
    const match = matchRoute(location.pathname);
    if ('redirect' in match) {
      history.replaceState(null, '', match.redirect + location.search);
      return this.resolveLocation();
    }
    const { route } = match;
    if (this.me === undefined) return;
    if (route.id === 'login' && this.me) {
      const next = new URLSearchParams(location.search).get('next');
      navigate(safeNext(next), { replace: true });
      return;
    }
    if (route.auth && !this.me) {
      const next = currentPathWithQuery();
      navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
      return;
    }
    document.title = `${route.title} · App Hub`;
    this.route = route;
    this.pageReady = false;
    this.pageError = '';
    try {
      await PAGES[route.id]();
      if (this.route === route) this.pageReady = true;
    } catch {
      this.pageError =
        'part of the portal failed to load; the hub may have been updated. Reload the page.';
    }
    // Move focus to the new page so screen readers announce it and Tab starts from there.
    await this.updateComplete;
    if (this.navigated && route.id !== 'login')
      this.renderRoot.querySelector<HTMLElement>('main')?.focus({ preventScroll: true });
    this.navigated = true;
  }

  private interceptLink(e: MouseEvent): void {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return;
    const a = e.composedPath().find((n): n is HTMLAnchorElement => n instanceof HTMLAnchorElement);
    if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
    const path = a.pathname;
    if (path !== '/login' && path !== '/hub' && !path.startsWith('/hub/')) return;
    e.preventDefault();
    if (path + a.search !== currentPathWithQuery()) navigate(path + a.search);
  }

  private async onLoggedIn(e: CustomEvent<Me>): Promise<void> {
    this.me = e.detail;
    const next = new URLSearchParams(location.search).get('next');
    navigate(safeNext(next), { replace: true });
  }

  private async onLogout(): Promise<void> {
    try {
      await logout();
    } catch {
      // Even when the hub cannot be reached, forget the session here and show the login page.
    }
    this.me = null;
    navigate('/login', { replace: true });
  }

  private renderPage(route: RouteDef): TemplateResult {
    if (this.pageError)
      return html`<hub-error
        heading="Could not open this page"
        .message=${this.pageError}
        no-retry
      ></hub-error>`;
    if (route.admin && !this.me?.admin)
      return html`<hub-error
        heading="Admins only"
        message="This page is for administrators. Ask one if you need something changed."
        no-retry
      ></hub-error>`;
    if (!this.pageReady) return html`<hub-loading></hub-loading>`;
    switch (route.id) {
      case 'launcher':
        return html`<hub-launcher-page></hub-launcher-page>`;
      case 'account':
        return html`<hub-account-page></hub-account-page>`;
      case 'admin':
        return html`<hub-admin-dashboard-page></hub-admin-dashboard-page>`;
      case 'admin-users':
        return html`<hub-admin-users-page .me=${this.me}></hub-admin-users-page>`;
      case 'admin-images':
        return html`<hub-admin-images-page></hub-admin-images-page>`;
      case 'admin-grants':
        return html`<hub-admin-grants-page></hub-admin-grants-page>`;
      case 'admin-containers':
        return html`<hub-admin-containers-page></hub-admin-containers-page>`;
      case 'admin-audit':
        return html`<hub-admin-audit-page></hub-admin-audit-page>`;
      default:
        return html`<h1>Page not found</h1>
          <p>There is no page at <code>${location.pathname}</code>.</p>
          <p><a href="/hub/launcher">Go to your applications</a></p>`;
    }
  }

  private renderHeader(me: Me, route: RouteDef) {
    const current = (on: boolean) => (on ? 'page' : 'false');
    return html`<header>
      <div class="bar">
        <a class="brand" href="/hub/launcher">App Hub</a>
        <nav aria-label="Main">
          <a href="/hub/launcher" aria-current=${current(route.id === 'launcher')}>Applications</a>
          <a href="/hub/account" aria-current=${current(route.id === 'account')}>Account</a>
          ${
            me.admin
              ? html`<a href="/hub/admin" aria-current=${current(route.admin)}>Admin</a>`
              : null
          }
        </nav>
        <div class="who">
          <span><span class="label">Logged in as </span><strong>${me.name}</strong></span>
          <button class="btn small" type="button" @click=${this.onLogout}>Log out</button>
        </div>
      </div>
    </header>`;
  }

  private renderIsolationWarning() {
    return html`<div class="alert error" role="alert">
      <strong>Apps share the hub's origin.</strong> Reached at this address, the hub serves apps on
      its own origin, so an app's page could act in its user's name. Set
      <code>apps_domain</code> (<code>HUB_APPS_DOMAIN</code>) to a wildcard DNS name, see the
      README's "App origins".
    </div>`;
  }

  private renderAdminTabs(route: RouteDef) {
    return html`<nav class="tabs" aria-label="Admin">
      ${ADMIN_TABS.map(
        (t) =>
          html`<a href=${t.path} aria-current=${t.id === route.id ? 'page' : 'false'}
            >${t.label}</a
          >`,
      )}
    </nav>`;
  }

  override render() {
    if (this.meError)
      return html`<main>
        <hub-error
          heading="Could not reach the hub"
          .message=${this.meError}
          @retry=${this.start}
        ></hub-error>
      </main>`;
    const route = this.route;
    if (this.me === undefined || !route) return html`<main><hub-loading></hub-loading></main>`;
    if (route.id === 'login') {
      if (!this.pageReady) return html`<main><hub-loading></hub-loading></main>`;
      const next = new URLSearchParams(location.search).get('next');
      return html`<hub-login-page
        .next=${safeNext(next)}
        @logged-in=${this.onLoggedIn}
      ></hub-login-page>`;
    }
    if (!this.me) return html`<main><hub-loading></hub-loading></main>`;
    return html`<a class="skip" href="#main" @click=${this.skipToMain}>Skip to content</a>
      ${this.renderHeader(this.me, route)}
      <main id="main" tabindex="-1">
        ${route.admin && this.me.admin ? this.renderAdminTabs(route) : null}
        ${route.admin && this.me.admin && this.me.apps_domain === null ? this.renderIsolationWarning() : null}
        ${this.renderPage(route)}
      </main>`;
  }

  private skipToMain(e: Event): void {
    e.preventDefault();
    this.renderRoot.querySelector<HTMLElement>('main')?.focus();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-app': HubApp;
  }
}
