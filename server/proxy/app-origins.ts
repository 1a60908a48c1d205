import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { AppAccess } from './app-access';

/**
 * Where apps live: each running container on an origin of its own, `<url_id>.<apps_domain>`
 * with the hub's scheme and port and the same path (shared/DESIGN.md, "App origins"). On the
 * hub's origin an app's script could call the API as its owner; on its own origin the browser's
 * same-origin policy keeps it away from the hub's cookies, API answers and pages.
 */

/** Browsers resolve every `*.localhost` name to loopback, so this needs no DNS set-up. */
export const LOOPBACK_APPS_DOMAIN = 'apps.localhost';

// A url_id is at least 128 random bits in lower-case hex (DESIGN.md): one DNS label.
const URL_ID_LABEL = /^[0-9a-f]{32,63}$/;

/** True for a url_id that can serve as its app origin's first DNS label. */
export const isUrlIdLabel = (urlId: string): boolean => URL_ID_LABEL.test(urlId);

export interface AppOriginOptions {
  /** Config `apps_domain`; unset means "apps.localhost on loopback, none elsewhere". */
  appsDomain?: string;
  /** Config `public_url`: the hub's origin as browsers see it behind a TLS proxy. */
  publicUrl?: string;
  /** Config `trust_proxy`: X-Forwarded-Proto/-Host describe the browser's view. */
  trustProxy: boolean;
}

/** What the API edge needs of app origins: URLs, and where each app's hub is. */
export interface AppOriginServices {
  origins: AppOrigins;
  access: AppAccess;
}

/** A request's host split into name and port, as the browser addressed it. */
export interface HostPort {
  hostname: string;
  /** '' when the default port of the scheme was used. */
  port: string;
}

/** What the proxy needs to know of a request's Host header, worked out once per distinct header. */
export interface AppHost {
  /** The host lies under an apps domain (an app origin, or a name there that is not one). */
  apps: boolean;
  /** The container whose origin this is, or null. */
  urlId: string | null;
  /**
   * For `<hex>.apps.localhost[:port]`: `http://localhost[:port]`, the hub's origin as the
   * loopback start reaches it. Never derived from the url_id (any hex label gives the same).
   */
  loopbackHub: string | null;
}

/** Any host outside the apps domains (and every host when apps are not isolated). */
export const NOT_AN_APP_HOST: AppHost = Object.freeze({
  apps: false,
  urlId: null,
  loopbackHub: null,
});
// Distinct Host headers are few (the hub's names and one per open app): remembered, so a
// request costs a map lookup, not a parse. A flood of made-up names only churns the map.
const HOST_CACHE_MAX = 4096;
const LOOPBACK_APP_LABEL = /^[0-9a-f]+$/;

/** Parses a Host header (`name`, `name:port`, `[v6]:port`); null when it is not one. */
export function parseHost(header: string | undefined): HostPort | null {
  if (!header) return null;
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!m) return null;
  return { hostname: m[1].toLowerCase().replace(/\.$/, ''), port: m[2] ?? '' };
}

/** True for names every browser sends to this machine: localhost, *.localhost, 127/8, ::1. */
export function isLoopbackName(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) ||
    hostname === '[::1]'
  );
}

/**
 * The hub's knowledge of app origins: which host names are app origins (and of which
 * container), which apps domain applies to a request that reached the hub, and the URLs.
 */
export class AppOrigins {
  private readonly configured: string | undefined;
  private readonly publicOrigin: URL | undefined;
  private readonly domains: readonly string[];
  private readonly hosts = new Map<string, AppHost>();

  constructor(private readonly opts: AppOriginOptions) {
    this.configured = opts.appsDomain?.toLowerCase();
    this.publicOrigin = opts.publicUrl ? new URL(opts.publicUrl) : undefined;
    this.domains = this.configured
      ? [this.configured, LOOPBACK_APPS_DOMAIN]
      : [LOOPBACK_APPS_DOMAIN];
  }

  /**
   * What `host` is to the proxy. Both the configured domain and apps.localhost count as apps
   * domains: the latter only ever resolves to loopback.
   */
  appHost(host: string | undefined): AppHost {
    if (host === undefined) return NOT_AN_APP_HOST;
    let known = this.hosts.get(host);
    if (known === undefined) {
      known = this.classify(host);
      if (this.hosts.size >= HOST_CACHE_MAX) this.hosts.clear();
      this.hosts.set(host, known);
    }
    return known;
  }

  /** The url_id an app-origin request is for, or null when `host` is not an app origin. */
  urlIdOfHost(host: string | undefined): string | null {
    return this.appHost(host).urlId;
  }

  /** True when `host` lies under an apps domain at all (an app origin or a bad one). */
  isAppsHost(host: string | undefined): boolean {
    return this.appHost(host).apps;
  }

  private classify(host: string): AppHost {
    const hp = parseHost(host);
    const domain = hp && this.domains.find((d) => hp.hostname.endsWith(`.${d}`));
    if (!hp || !domain) return NOT_AN_APP_HOST;
    const label = hp.hostname.slice(0, -domain.length - 1);
    const loopback =
      hp.hostname.endsWith(`.${LOOPBACK_APPS_DOMAIN}`) &&
      LOOPBACK_APP_LABEL.test(hp.hostname.slice(0, -LOOPBACK_APPS_DOMAIN.length - 1));
    return {
      apps: true,
      urlId: URL_ID_LABEL.test(label) ? label : null,
      loopbackHub: loopback ? `http://localhost${hp.port ? `:${hp.port}` : ''}` : null,
    };
  }

  /**
   * The hub's origin for links and redirects from an app origin back to the hub (the one place
   * that works it out): `public_url` when set; else `remembered`, the origin that issued this
   * app's tickets (only where the caller may learn that the app exists); else, with `guess`,
   * `http://localhost[:port]` for an apps.localhost host. Null when none applies.
   */
  hubOriginFromApp(host: AppHost, remembered: string | undefined, guess: boolean): string | null {
    return this.publicOrigin?.origin ?? remembered ?? (guess ? host.loopbackHub : null);
  }

  /**
   * The apps domain for a browser that reached the hub at `req`'s host, or null when apps are
   * not isolated there (no apps_domain and a non-loopback hub: admins are warned).
   */
  appsDomainFor(req: IncomingMessage): string | null {
    if (this.configured) return this.configured;
    const hp = parseHost(this.publicOrigin?.host ?? this.forwardedHost(req));
    return hp && isLoopbackName(hp.hostname) ? LOOPBACK_APPS_DOMAIN : null;
  }

  /** The hub's origin when configured (`public_url`), whatever the request. */
  fixedHubOrigin(): string | undefined {
    return this.publicOrigin?.origin;
  }

  /** The hub's origin as the browser sees it (`public_url`, else scheme + Host). */
  hubOrigin(req: IncomingMessage): string {
    if (this.publicOrigin) return this.publicOrigin.origin;
    return `${this.scheme(req)}://${this.forwardedHost(req) ?? 'localhost'}`;
  }

  /** `<scheme>://<url_id>.<domain>[:port]` for a container, seen from a hub request. */
  appOrigin(req: IncomingMessage, urlId: string, domain: string): string {
    const hub = parseHost(this.publicOrigin?.host ?? this.forwardedHost(req));
    const port = hub?.port ? `:${hub.port}` : '';
    return `${this.scheme(req)}://${urlId}.${domain}${port}`;
  }

  /** CSP source matching every app origin of this hub view, or null when not isolated. */
  frameSource(req: IncomingMessage): string | null {
    const domain = this.appsDomainFor(req);
    if (!domain) return null;
    const hub = parseHost(this.publicOrigin?.host ?? this.forwardedHost(req));
    return `${this.scheme(req)}://*.${domain}${hub?.port ? `:${hub.port}` : ''}`;
  }

  /** The origin of an app-origin request itself (for Origin checks). */
  requestOrigin(req: IncomingMessage): string {
    return `${this.scheme(req)}://${this.forwardedHost(req) ?? ''}`;
  }

  /** True when the browser reached the hub over https (directly or through a trusted proxy). */
  isSecure(req: IncomingMessage): boolean {
    return this.scheme(req) === 'https';
  }

  private scheme(req: IncomingMessage): 'http' | 'https' {
    if (this.publicOrigin) return this.publicOrigin.protocol === 'https:' ? 'https' : 'http';
    if (this.opts.trustProxy) {
      const proto = String(req.headers['x-forwarded-proto'] ?? '')
        .split(',')[0]
        .trim();
      if (proto === 'https' || proto === 'http') return proto;
    }
    return req.socket instanceof TLSSocket && req.socket.encrypted ? 'https' : 'http';
  }

  private forwardedHost(req: IncomingMessage): string | undefined {
    if (this.opts.trustProxy) {
      const fwd = req.headers['x-forwarded-host'];
      const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0].trim();
      if (first) return first;
    }
    return req.headers.host;
  }
}
