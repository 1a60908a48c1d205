import { z } from 'zod';
import { MAX_APP_PREFIX, poolIssues } from '../spawner/subnet-pool';

/**
 * Every option of the hub, declared once with its type, default and a sentence of help.
 * The README's configuration table mirrors this file.
 */
const seconds = (def: number, help: string) =>
  z.number().int().positive().default(def).describe(help);

export const configSchema = z
  .object({
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8000)
      .describe('Listening port; 0 picks a free port (printed at start). Env HUB_PORT.'),
    bind: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Listening address; use 0.0.0.0 to serve other machines. Env HUB_BIND.'),
    data_dir: z
      .string()
      .min(1)
      .default('./data')
      .describe('Folder for the SQLite file, secrets and user workspaces. Env HUB_DATA_DIR.'),
    realm: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lower-case letters, digits, "_", "." and "-"')
      .default('hub')
      .describe('Realm label value, so several hubs can share one Docker engine. Env HUB_REALM.'),
    admin_user: z
      .string()
      .default('admin')
      .describe('First admin, created only when no admin exists. Env HUB_ADMIN_USER.'),
    public_url: z
      .string()
      .url()
      .optional()
      .describe('External URL of the hub when behind a TLS proxy (for Origin checks and links).'),
    apps_domain: z
      .string()
      .regex(
        /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/,
        'a lower-case DNS name such as apps.example.org (each app is served on <url_id>.<apps_domain>)',
      )
      .optional()
      .describe(
        'Each running app is served on its own origin <url_id>.<apps_domain> (wildcard DNS name and certificate). Unset: apps.localhost when the hub is reached on loopback, else the hub origin with a warning to admins. Env HUB_APPS_DOMAIN.',
      ),
    trust_proxy: z
      .boolean()
      .default(false)
      .describe(
        'Trust X-Forwarded-* from a reverse proxy in front of the hub (client address, https).',
      ),
    cookie_secure: z
      .enum(['auto', 'always', 'never'])
      .default('auto')
      .describe('Secure cookie flag: auto sets it when the request arrived over https.'),
    session_max_age_hours: z
      .number()
      .positive()
      .default(24 * 7)
      .describe('How long a login session lasts without use.'),
    max_body_bytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024)
      .describe('Largest JSON or form body the API accepts (proxied bodies are not limited).'),
    example_images: z
      .array(z.string())
      .default(['hub/terminal:latest', 'hub/filebrowser:latest'])
      .describe(
        'Images registered and granted to the first admin on a new install (when present).',
      ),
    login: z
      .object({
        max_failures_per_user: z
          .number()
          .int()
          .positive()
          .default(5)
          .describe(
            'Failed logins for one user name from one address (or one known browser) before that pair is locked.',
          ),
        max_failures_per_address: z
          .number()
          .int()
          .positive()
          .default(20)
          .describe('Failed logins from one address, whatever the names, before it is locked.'),
        max_failures_per_user_total: z
          .number()
          .int()
          .positive()
          .default(20)
          .describe(
            "Failed logins for one user name from all untrusted clients together before they are locked; the user's known browsers and addresses are not.",
          ),
        window_seconds: seconds(300, 'Window in which failed logins are counted.'),
        lockout_seconds: seconds(
          60,
          'First lockout length; each new lock of the same counter soon after doubles it.',
        ),
        max_lockout_seconds: seconds(3600, 'Longest a doubled lockout grows.'),
        known_device_days: seconds(
          180,
          'Lifetime of the known-browser cookie set at login (and of an address trusted by a login), which exempts it from the per-user lock.',
        ),
      })
      .default({}),
    auth: z
      .object({
        local: z
          .boolean()
          .default(true)
          .describe(
            'Local accounts (user name and password kept by the hub) on the login form; false leaves only the identity providers below.',
          ),
        oidc: z
          .object({
            issuer: z
              .string()
              .url()
              .describe(
                'OpenID Connect issuer URL; its /.well-known/openid-configuration is read at start and at login. The client secret comes from env HUB_OIDC_CLIENT_SECRET only.',
              ),
            client_id: z.string().min(1).describe('Client id registered at the provider.'),
            display_name: z
              .string()
              .min(1)
              .max(64)
              .default('OpenID Connect')
              .describe('Shown on the login page as "Log in with <display_name>".'),
            scopes: z
              .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope token'))
              .default(['openid', 'profile', 'email'])
              .refine((s) => s.includes('openid'), 'include "openid"')
              .describe('Scopes asked for; must include openid.'),
            username_claim: z
              .string()
              .min(1)
              .default('preferred_username')
              .describe('Claim (ID token, else userinfo) that holds the user name.'),
            groups_claim: z
              .string()
              .min(1)
              .default('groups')
              .describe('Claim (ID token, else userinfo) that lists the groups of the user.'),
            admin_groups: z
              .array(z.string())
              .default([])
              .describe(
                'Members of any of these groups are admins, checked at every login (leaving the group ends admin rights at the next login); empty: the provider does not decide who is admin.',
              ),
            allowed_groups: z
              .array(z.string())
              .default([])
              .describe(
                'Only members of these groups (or of admin_groups) may log in; empty: everyone the provider knows.',
              ),
            timeout_seconds: seconds(10, 'Time for one request to the provider.'),
          })
          .strict()
          .optional()
          .describe('OpenID Connect sign-in; absent: off.'),
        ldap: z
          .object({
            url: z
              .string()
              .regex(/^ldaps?:\/\/[^\s/]+\/?$/, 'ldap://host:port or ldaps://host:port')
              .describe('LDAP server, e.g. ldaps://ldap.example.org:636.'),
            user_dn_template: z
              .string()
              .includes('{username}', { message: 'must contain {username}' })
              .optional()
              .describe(
                'Bind directly as this DN, {username} replaced by the escaped user name (uid={username},ou=people,dc=example,dc=org).',
              ),
            search_base: z
              .string()
              .optional()
              .describe(
                'Instead of a template: find the user under this base with search_filter, then bind as the entry found.',
              ),
            search_filter: z
              .string()
              .includes('{username}', { message: 'must contain {username}' })
              .default('(uid={username})')
              .describe('Filter for the search; {username} is escaped per RFC 4515.'),
            bind_dn: z
              .string()
              .optional()
              .describe(
                'DN the search binds as (anonymous when unset); its password from env HUB_LDAP_BIND_PASSWORD only.',
              ),
            username_attribute: z
              .string()
              .regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'an attribute name such as uid')
              .default('uid')
              .describe(
                "Attribute of the user's entry that names the hub user, so `Alice` and `alice` typed at the form are one account.",
              ),
            admin_group_dn: z
              .string()
              .optional()
              .describe(
                'Members of this group (member, uniqueMember or memberUid) are admins, checked at every login; unset: LDAP does not decide who is admin.',
              ),
            timeout_seconds: seconds(10, 'Time for one LDAP operation or connection.'),
          })
          .strict()
          .refine((l) => Boolean(l.user_dn_template) !== Boolean(l.search_base), {
            message: 'set either user_dn_template or search_base (with search_filter), not both',
          })
          .optional()
          .describe('LDAP sign-in through the login form; absent: off.'),
      })
      .strict()
      .refine((a) => a.local || a.oidc || a.ldap, {
        message: 'with auth.local false, configure auth.oidc or auth.ldap, or nobody can log in',
      })
      .default({}),
    body_timeout_seconds: seconds(
      30,
      "A request to the hub's own routes whose body has not fully arrived in this time gets 408 and its connection is closed (uploads to apps are not limited).",
    ),
    metrics: z
      .object({
        token: z
          .string()
          .min(16, 'use at least 16 characters')
          .optional()
          .describe(
            'When set, GET /metrics needs `Authorization: Bearer <token>`; unset, it is open. Prefer the env HUB_METRICS_TOKEN (kept out of config files).',
          ),
      })
      .default({}),
    docker: z
      .object({
        socket: z
          .string()
          .default('/var/run/docker.sock')
          .describe('Used when DOCKER_HOST is unset.'),
      })
      .default({}),
    catalog: z
      .object({
        rescan_seconds: seconds(60, 'Safety-net re-scan of images besides Docker events.'),
        icon_max_bytes: z
          .number()
          .int()
          .positive()
          .default(256 * 1024)
          .describe('Largest decoded icon_128 PNG accepted; larger icons fall back.'),
      })
      .default({}),
    spawner: z
      .object({
        class: z
          .enum(['docker', 'swarm'])
          .default('docker')
          .describe(
            'Spawner implementation by short name: docker = containers on the engine of DOCKER_HOST; swarm = one Docker Swarm service per app on the manager of DOCKER_HOST, each on its own overlay network that the hub joins (the hub must run as a container: images/hub, config/swarm.md).',
          ),
        container_port: z
          .number()
          .int()
          .min(1)
          .max(65535)
          .default(8888)
          .describe(
            "The app's web port in its container. An image that exposes exactly one other port is served on that port instead.",
          ),
        network: z
          .string()
          .default('hub-net')
          .describe(
            'Docker network for user containers when the hub runs on the host (or in its network namespace). A hub in a container with a network of its own gives each app a bridge network of its own and joins it instead.',
          ),
        app_network_pool: z
          .object({
            base: z
              .string()
              .describe(
                'The pool as an IPv4 CIDR, e.g. 10.213.0.0/16 (a range your LAN does not use).',
              ),
            size: z
              .number()
              .int()
              .max(MAX_APP_PREFIX, {
                message: `at most ${MAX_APP_PREFIX}: network, gateway, hub, app and broadcast need 5 addresses`,
              })
              .default(28)
              .describe("Prefix length of each app's subnet, at most /29."),
          })
          .strict()
          .superRefine((v, ctx) => {
            for (const issue of poolIssues(v.base, v.size))
              ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: [issue.key],
                message: issue.message,
              });
          })
          .optional()
          .describe(
            "Address pool for the per-app networks of a hub in a container (like the engine's default-address-pools: base and size). Unset: the engine picks each subnet from its default pools, which hold about 30 networks. Set it to run more apps at once without reconfiguring the engine. Ignored by a hub on the host (one shared network) and by spawner.class swarm (overlays take the swarm's address pool).",
          ),
        connect: z
          .enum(['container-ip', 'host-port'])
          .default('container-ip')
          .describe(
            "How a hub on the host (or in its network namespace) reaches containers: container-ip = their IP on spawner.network; host-port = a port published on 127.0.0.1. Ignored by a hub in a container with a network of its own: it reaches each app on the app's own network.",
          ),
        init: z
          .boolean()
          .default(false)
          .describe(
            "Run Docker's init (tini) as PID 1 in user containers: it reaps zombies and forwards signals for images whose entry point is a plain shell script. Off by default: images built on an init of their own (s6-overlay) refuse to run under another.",
          ),
        start_timeout_seconds: seconds(60, 'Time for Docker to create and start a container.'),
        http_timeout_seconds: seconds(60, 'Time for the app to answer HTTP under its prefix.'),
        memory_limit: z
          .string()
          .default('2g')
          .describe('Default memory limit (Docker syntax, e.g. 512m, 2g).'),
        cpu_limit: z.number().positive().default(1).describe('Default CPU limit (cores).'),
        pids_limit: z.number().int().positive().default(512),
        max_per_user: z.number().int().positive().default(5),
        max_total: z.number().int().positive().default(100),
        max_concurrent_spawns: z.number().int().positive().default(4),
        allowed_volume_roots: z
          .array(z.string())
          .default([])
          .describe(
            'Folders (as the hub sees them) under which policy volume sources may lie; a hub container must have them mounted.',
          ),
        idle_timeout_seconds: z
          .number()
          .int()
          .min(0)
          .default(0)
          .describe('Stop containers without proxied activity for this long; 0 disables.'),
        docker_timeout_seconds: seconds(
          30,
          'A Docker API call slower than this counts as the engine being unavailable (503).',
        ),
        workspace_uid: z
          .number()
          .int()
          .min(0)
          .default(1000)
          .describe(
            'Owner (uid and gid) given to new home workspace folders, for the app user in the container.',
          ),
        warm_start: z
          .object({
            enabled: z
              .boolean()
              .default(true)
              .describe(
                "Start a user's usual app in the background when they sign in, hidden and unrouted until they press Start (then it is theirs at once). Off: no warm container is ever made and nothing runs for it.",
              ),
            min_launches: z
              .number()
              .int()
              .positive()
              .default(3)
              .describe(
                'A grant is warmed only when its user started it at least this often within spawner.warm_start.history_days.',
              ),
            history_days: z
              .number()
              .positive()
              .default(14)
              .describe('How far back the launch history (audit log) is read to predict a start.'),
            ttl_seconds: seconds(
              600,
              'A warm container nobody claimed within this time is removed.',
            ),
            max_containers: z
              .number()
              .int()
              .min(0)
              .default(10)
              .describe(
                'Most warm containers the hub keeps at once (all users); they also never push the hub past spawner.max_total.',
              ),
            return_after_minutes: z
              .number()
              .int()
              .min(0)
              .default(30)
              .refine((v) => v === 0 || v >= 2, {
                message:
                  'use 0 (only sign-ins warm) or at least 2: a session in use is marked seen once a minute',
              })
              .describe(
                'A user who comes back to a session unused for at least this long is treated as signing in again: their usual app is warmed. 0: only sign-ins warm.',
              ),
          })
          .default({})
          .describe('Warm starts: see the README section "Warm starts".'),
      })
      .default({}),
    proxy: z
      .object({
        timeout_seconds: seconds(
          60,
          'A proxied request whose app sends no headers in this time gets 504.',
        ),
        websocket_ping_seconds: seconds(30, 'Ping interval that keeps idle WebSockets open.'),
        // Accepted so that a config written for an older hub still starts; the proxy part warns.
        engine: z
          .string()
          .optional()
          .describe(
            'Obsolete: the hub ships one forwarding engine (undici; measurements in server/proxy/undici-engine.ts). A value is ignored with a warning.',
          ),
      })
      .default({}),
    shares: z
      .object({
        anonymous: z
          .boolean()
          .default(false)
          .describe(
            'Allow share links that name no user to be used without a hub login (anyone with the link). Off: every share link needs a hub login.',
          ),
        max_expires_hours: z
          .number()
          .positive()
          .default(24 * 7)
          .describe('The longest a share link may live; a share asks for less with expires_in.'),
      })
      .default({}),
  })
  .strict();

export type HubConfig = z.infer<typeof configSchema>;
