import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import type { AnyZodObject, ZodTypeAny } from 'zod';
import * as W from './wire';
import { z } from './wire/zod';

/**
 * The OpenAPI 3.1 document of the hub's HTTP API, generated from the wire schemas: one entry per
 * route of the Koa routers (test/unit/api/openapi.test.ts fails when the two differ), served at
 * GET /api/v1/openapi.json and committed as docs/openapi.json (`npm run openapi`).
 */

type Method = 'get' | 'post' | 'patch' | 'delete';
/** Who may call: anyone, a signed-in user (session or token), or an admin. */
type Access = 'public' | 'user' | 'admin';

interface Operation {
  method: Method;
  /** OpenAPI style: `{param}` for Koa's `:param`. */
  path: string;
  access: Access;
  summary: string;
  description?: string;
  tag: string;
  params?: AnyZodObject;
  query?: AnyZodObject;
  /** A JSON body. */
  body?: ZodTypeAny;
  /** Extra request content types besides JSON (the login form). */
  form?: ZodTypeAny;
  responses: Record<number, ResponseConfig>;
  /** Error statuses besides those that follow from access and body (401, 403, 400, 413). */
  errors?: ErrorStatus[];
}

type ErrorStatus = keyof typeof ERROR_MEANING;

const ERROR_MEANING = {
  400: 'Bad input: the message names the field and what to change.',
  401: 'Not signed in: no session cookie or bearer token (or wrong credentials at login).',
  403: 'Not allowed: not an admin, or the CSRF check failed (code `csrf_failed`).',
  404: 'No such thing, or not yours.',
  409: 'Conflicts with the current state.',
  410: 'Gone: the share link was revoked or has expired, or the shared app stopped.',
  413: 'The body is larger than `max_body_bytes`.',
  429: 'Too many tries or too many containers; Retry-After says when to try again.',
  502: 'The app exited or failed while it started; the message carries its last output.',
  503: 'A dependency is down (Docker) or the hub is full; the message says which.',
  504: 'The app did not answer in time.',
} as const;

const json = (schema: ZodTypeAny) => ({ 'application/json': { schema } });
const answer = (description: string, schema?: ZodTypeAny): ResponseConfig =>
  schema ? { description, content: json(schema) } : { description };
const text = (description: string, type: string): ResponseConfig => ({
  description,
  content: { [type]: { schema: z.string() } },
});

const urlId = z.object({ url_id: z.string().openapi({ description: 'The container’s url_id.' }) });
const mappingId = z.object({ mapping_id: W.MappingId });
const userName = z.object({ name: z.string() });
const simphonyUrlId = z.object({
  url_id: z.string().openapi({
    description: 'The container’s url_id, or the `<url_id>_<port>` of the start’s Location.',
  }),
});

const OPERATIONS: Operation[] = [
  // ---- session ------------------------------------------------------------------------------
  {
    method: 'post',
    path: '/login',
    access: 'public',
    tag: 'session',
    summary: 'Sign in with a local (or LDAP) account',
    description:
      'A JSON body answers with the caller; the login form (urlencoded) answers 302 to `next` ' +
      'with the session cookie set, or 401 with the form again. Repeated failures per user ' +
      'name and per address answer 429 with Retry-After. Local accounts are asked first, then ' +
      'LDAP (`auth.ldap`); a directory that cannot be reached answers 503 naming the setting, ' +
      'an account the hub refuses (disabled, name taken) 403 `login_refused`, and a hub without ' +
      'the form (`auth.local` false, no LDAP) 400.',
    body: W.LoginRequest,
    form: W.LoginForm,
    responses: {
      200: answer('Signed in (JSON); the session cookie is set.', W.Me),
      302: { description: 'Signed in (form): redirect to `next`.' },
    },
    errors: [400, 401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/api/v1/login-options',
    access: 'public',
    tag: 'session',
    summary: 'What the login page offers: the form, and buttons of identity providers',
    responses: { 200: answer('The ways to sign in.', W.LoginOptions) },
  },
  {
    method: 'get',
    path: '/login/{provider}',
    access: 'public',
    tag: 'session',
    summary: 'Start signing in at an identity provider (`/login/oidc`)',
    description:
      'A browser navigation: 302 to the provider with state, nonce and a PKCE challenge, kept ' +
      'in a signed cookie until the provider sends the browser back. Refusals are HTML pages ' +
      'for the person at the browser, not JSON: 503 when the provider cannot be reached, 429 ' +
      'after too many failed sign-ins from the address. An unknown provider is a JSON 404.',
    params: z.object({ provider: z.string().openapi({ example: 'oidc' }) }),
    query: z.object({ next: z.string().optional() }),
    responses: { 302: { description: 'To the provider.' } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/login/{provider}/callback',
    access: 'public',
    tag: 'session',
    summary: 'Where the identity provider sends the browser back',
    description:
      'Checks state, redeems the code with the PKCE verifier, validates the ID token, applies ' +
      'the group rules and signs in (a first login creates the user): 302 to `next` with the ' +
      'session cookie. Refusals are HTML pages with the reason (not JSON): 400 for a sign-in not started ' +
      'in this browser, 403 for a code or token that fails its checks or a user outside ' +
      '`allowed_groups`, 503 when the provider cannot be reached.',
    params: z.object({ provider: z.string().openapi({ example: 'oidc' }) }),
    responses: { 302: { description: 'Signed in: redirect to `next`.' } },
    errors: [404],
  },
  {
    method: 'post',
    path: '/hub/login',
    access: 'public',
    tag: 'simphony',
    summary: 'POST /login where SimPhoNy-Remote’s clients send it',
    description: 'The same as POST /login: the form answers 302 with the session cookie.',
    body: W.LoginRequest,
    form: W.LoginForm,
    responses: {
      200: answer('Signed in (JSON); the session cookie is set.', W.Me),
      302: { description: 'Signed in (form): redirect to `next`.' },
    },
    errors: [401, 403, 429],
  },
  {
    method: 'post',
    path: '/logout',
    access: 'user',
    tag: 'session',
    summary: 'End the session',
    responses: {
      204: answer('Signed out (JSON).'),
      302: { description: 'Signed out (form): redirect to /login.' },
    },
  },
  {
    method: 'get',
    path: '/api/v1/me',
    access: 'user',
    tag: 'session',
    summary: 'The caller, with the CSRF token of the session',
    responses: { 200: answer('The caller.', W.Me) },
  },
  {
    method: 'post',
    path: '/api/v1/me/password',
    access: 'user',
    tag: 'session',
    summary: 'Change one’s own password; ends every session of the caller',
    body: W.PasswordChange,
    responses: { 204: answer('Changed; sign in again.') },
  },
  // ---- tokens -------------------------------------------------------------------------------
  {
    method: 'post',
    path: '/api/v1/tokens',
    access: 'user',
    tag: 'tokens',
    summary: 'Create an API token (shown once)',
    body: W.TokenCreate,
    responses: { 201: answer('The token; only its hash is kept.', W.TokenCreated) },
  },
  {
    method: 'get',
    path: '/api/v1/tokens',
    access: 'user',
    tag: 'tokens',
    summary: 'The caller’s tokens, without their secrets',
    responses: { 200: answer('Tokens not revoked.', z.array(W.TokenInfo)) },
  },
  {
    method: 'delete',
    path: '/api/v1/tokens/{id}',
    access: 'user',
    tag: 'tokens',
    summary: 'Revoke one of the caller’s tokens',
    params: z.object({ id: z.string().openapi({ pattern: '^[1-9][0-9]*$' }) }),
    responses: { 204: answer('Revoked.') },
    errors: [400, 404],
  },
  // ---- applications and containers ---------------------------------------------------------
  {
    method: 'get',
    path: '/api/v1/applications',
    access: 'user',
    tag: 'applications',
    summary: 'The caller’s grants: image, policy and the running container, if any',
    responses: { 200: answer('One entry per grant.', z.array(W.Application)) },
  },
  {
    method: 'get',
    path: '/api/v1/applications/icons/{file}',
    access: 'user',
    tag: 'applications',
    summary: 'An application’s icon (as `icon_url` names it)',
    description:
      'Only icons of applications granted to the caller (admins: all). With `v` equal to the ' +
      'current version the answer is cacheable for a week; If-None-Match is honoured.',
    params: z.object({ file: z.string().openapi({ pattern: '^[0-9]+\\.png$' }) }),
    query: z.object({ v: z.string().optional() }),
    responses: {
      200: {
        description: 'The PNG.',
        content: { 'image/png': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      304: { description: 'Not modified.' },
    },
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/v1/containers',
    access: 'user',
    tag: 'containers',
    summary: 'Start the app of a grant; answers once it answers HTTP',
    description:
      'A second start of the same grant joins the first and answers the same container ' +
      '(also 201). Progress streams from /api/v1/containers/progress/{mapping_id}.',
    body: W.ContainerStart,
    responses: { 201: answer('Running and answering.', W.Container) },
    errors: [404, 409, 429, 502, 503, 504],
  },
  {
    method: 'get',
    path: '/api/v1/containers',
    access: 'user',
    tag: 'containers',
    summary: 'The caller’s containers',
    responses: { 200: answer('Every container of the caller.', z.array(W.Container)) },
  },
  {
    method: 'get',
    path: '/api/v1/containers/progress/{mapping_id}',
    access: 'user',
    tag: 'containers',
    summary: 'Progress of the start of a grant, as Server-Sent Events',
    description:
      'Events named `progress` whose data is a ProgressEvent (JSON); comment lines keep the ' +
      'stream open. Open it before the POST that starts.',
    params: mappingId,
    responses: { 200: text('An event stream.', 'text/event-stream') },
  },
  {
    method: 'get',
    path: '/api/v1/containers/{url_id}',
    access: 'user',
    tag: 'containers',
    summary: 'One of the caller’s containers',
    params: urlId,
    responses: { 200: answer('The container.', W.Container) },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/api/v1/containers/{url_id}',
    access: 'user',
    tag: 'containers',
    summary: 'Stop and remove one of the caller’s containers',
    description:
      'Idempotent: a url_id that names none of the caller’s containers (gone already, never ' +
      'there, or another user’s, which is left running) answers 204 as well, so the answer ' +
      'tells nothing of other users’ containers.',
    params: urlId,
    responses: { 204: answer('Gone.') },
    errors: [503],
  },
  {
    method: 'post',
    path: '/api/v1/containers/{url_id}/keepalive',
    access: 'user',
    tag: 'containers',
    summary: 'Count as activity, so idle culling waits',
    params: urlId,
    responses: { 204: answer('The idle clock starts again.') },
    errors: [404, 409],
  },
  // ---- shares -------------------------------------------------------------------------------
  {
    method: 'post',
    path: '/api/v1/containers/{url_id}/shares',
    access: 'user',
    tag: 'shares',
    summary: 'Share one of the caller’s running containers',
    description:
      'Needs a grant with `allow_view`. Mode `view` is for VNC apps only (the hub drops the ' +
      'viewer’s input); a web app can only be shared with `control`.',
    params: urlId,
    body: W.ShareCreate,
    responses: { 201: answer('The link to give the viewer.', W.ShareCreated) },
    errors: [404, 409],
  },
  {
    method: 'get',
    path: '/api/v1/containers/{url_id}/shares',
    access: 'user',
    tag: 'shares',
    summary: 'The container’s share links and who is connected through each',
    params: urlId,
    responses: { 200: answer('Newest first.', z.array(W.Share)) },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/api/v1/containers/{url_id}/shares/{id}',
    access: 'user',
    tag: 'shares',
    summary: 'Revoke a share link; its viewers’ connections close at once',
    params: urlId.extend({ id: z.string() }),
    responses: { 204: answer('Revoked (also when it already was).') },
    errors: [404],
  },
  {
    method: 'get',
    path: '/share/{id}',
    access: 'public',
    tag: 'shares',
    summary: 'Open a share link (browsers)',
    description:
      'Sends the viewer to the app’s origin with a one-time ticket, or to /login first. ' +
      '403: the link names another user; 410: revoked, expired, or the app stopped.',
    params: z.object({ id: z.string() }),
    responses: { 302: answer('To the app’s origin, or to the login page.') },
    errors: [400, 404, 409, 410],
  },
  {
    method: 'get',
    path: '/api/v1/containers/{url_id}/logs',
    access: 'user',
    tag: 'containers',
    summary: 'Recent output of one of the caller’s containers (why did it stop?)',
    params: urlId,
    query: W.LogsQuery,
    responses: { 200: text('The last `tail` lines.', 'text/plain') },
    errors: [400, 404, 503],
  },
  {
    method: 'post',
    path: '/api/v1/containers/{url_id}/restart',
    access: 'user',
    tag: 'containers',
    summary: 'Stop and start again one of the caller’s containers, in one call',
    description:
      'Removes the container (running or dead) and starts the same grant again; answers like ' +
      'POST /api/v1/containers, with a new url_id.',
    params: urlId,
    body: W.ContainerRestart,
    responses: { 201: answer('Running and answering.', W.Container) },
    errors: [404, 409, 429, 502, 503, 504],
  },
  // ---- admin --------------------------------------------------------------------------------
  {
    method: 'get',
    path: '/api/v1/admin/users',
    access: 'admin',
    tag: 'admin',
    summary: 'Every user',
    responses: { 200: answer('The users.', z.array(W.User)) },
  },
  {
    method: 'post',
    path: '/api/v1/admin/users',
    access: 'admin',
    tag: 'admin',
    summary: 'Create a user',
    body: W.UserCreate,
    responses: { 201: answer('Created.', W.UserCreated) },
    errors: [409],
  },
  {
    method: 'get',
    path: '/api/v1/admin/users/{name}',
    access: 'admin',
    tag: 'admin',
    summary: 'One user',
    params: userName,
    responses: { 200: answer('The user.', W.User) },
    errors: [404],
  },
  {
    method: 'patch',
    path: '/api/v1/admin/users/{name}',
    access: 'admin',
    tag: 'admin',
    summary: 'Change role, disable, or reset the password',
    description: 'Nobody can demote or disable themselves; the last admin stays.',
    params: userName,
    body: W.UserPatch,
    responses: { 200: answer('The user as changed.', W.User) },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/api/v1/admin/users/{name}',
    access: 'admin',
    tag: 'admin',
    summary: 'Delete a user, their sessions, tokens and containers',
    description: 'With delete_workspace=true, also their home workspace, answered with what went.',
    params: userName,
    query: W.UserDeleteQuery,
    responses: {
      204: answer('Deleted.'),
      200: answer('Deleted, with the workspace outcome.', W.UserDeleted),
    },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/api/v1/admin/users/{name}/workspace',
    access: 'admin',
    tag: 'admin',
    summary: "What deleting the user's workspace would remove",
    params: userName,
    responses: { 200: answer('The folder and its contents.', W.WorkspacePreview) },
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/v1/admin/audit',
    access: 'admin',
    tag: 'admin',
    summary: 'The audit log, newest first',
    query: W.AuditQuery,
    responses: { 200: answer('Events.', z.array(W.AuditEvent)) },
    errors: [400],
  },
  {
    method: 'get',
    path: '/api/v1/admin/applications',
    access: 'admin',
    tag: 'admin',
    summary: 'Registered applications',
    responses: { 200: answer('With their grant counts.', z.array(W.RegisteredApplicationRow)) },
  },
  {
    method: 'post',
    path: '/api/v1/admin/applications',
    access: 'admin',
    tag: 'admin',
    summary: 'Register an image for the catalogue',
    description: '201 when new, 200 when it was registered already.',
    body: W.RegisterApplication,
    responses: {
      201: answer('Registered.', W.RegisteredApplication),
      200: answer('Registered already.', W.RegisteredApplication),
    },
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/v1/admin/applications/discovered',
    access: 'admin',
    tag: 'admin',
    summary: 'Labelled images on the engine, registered or not',
    responses: { 200: answer('With label warnings.', z.array(W.DiscoveredImage)) },
    errors: [503],
  },
  {
    method: 'delete',
    path: '/api/v1/admin/applications/{id}',
    access: 'admin',
    tag: 'admin',
    summary: 'Unregister an application and revoke its grants',
    description: 'With remove_image=true, also its image, unless a container uses it (409).',
    params: z.object({ id: z.string().openapi({ pattern: '^[0-9]+$' }) }),
    query: W.UnregisterQuery,
    responses: {
      204: answer('Unregistered.'),
      200: answer('Unregistered, with the image outcome.', W.ApplicationUnregistered),
    },
    errors: [404, 409, 503],
  },
  {
    method: 'get',
    path: '/api/v1/admin/applications/unused-images',
    access: 'admin',
    tag: 'admin',
    summary: 'Dry run: hub-labelled images no container uses, dangling or unregistered',
    responses: { 200: answer('What the removal would remove now.', z.array(W.UnusedImage)) },
    errors: [503],
  },
  {
    method: 'post',
    path: '/api/v1/admin/applications/unused-images/remove',
    access: 'admin',
    tag: 'admin',
    summary: 'Remove unused images (confirm: true), never unlabelled or used ones',
    body: W.RemoveUnusedImages,
    responses: { 200: answer('What went and what stayed.', W.UnusedImagesRemoved) },
    errors: [503],
  },
  {
    method: 'get',
    path: '/api/v1/admin/accounting',
    access: 'admin',
    tag: 'admin',
    summary: 'Grants (user × image × policy)',
    query: W.GrantListQuery,
    responses: { 200: answer('By image, then user.', z.array(W.Grant)) },
    errors: [400],
  },
  {
    method: 'post',
    path: '/api/v1/admin/accounting',
    access: 'admin',
    tag: 'admin',
    summary: 'Grant a user an application under a policy',
    description: '201 for a new grant; 200 with the existing one for the same user, image, policy.',
    body: W.GrantCreate,
    responses: {
      201: answer('Granted.', W.GrantCreated),
      200: answer('Granted already.', W.GrantCreated),
    },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/api/v1/admin/accounting/{mapping_id}',
    access: 'admin',
    tag: 'admin',
    summary: 'Revoke a grant; its containers stop',
    params: mappingId,
    responses: { 204: answer('Revoked.') },
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/v1/admin/containers',
    access: 'admin',
    tag: 'admin',
    summary: 'Every container of this realm',
    responses: { 200: answer('Anyone’s containers.', z.array(W.AdminContainer)) },
  },
  {
    method: 'get',
    path: '/api/v1/admin/containers/stats',
    access: 'admin',
    tag: 'admin',
    summary: 'Live CPU and memory of every running container (docker stats)',
    description:
      'Read from the engine in parallel, each within a few seconds; a container that does not ' +
      'answer in time is left out.',
    responses: { 200: answer('One entry per running container.', z.array(W.ContainerStats)) },
  },
  {
    method: 'delete',
    path: '/api/v1/admin/containers/{url_id}',
    access: 'admin',
    tag: 'admin',
    summary: 'Stop and remove anyone’s container',
    params: urlId,
    responses: { 204: answer('Gone.') },
    errors: [404, 503],
  },
  {
    method: 'get',
    path: '/api/v1/admin/containers/{url_id}/logs',
    access: 'admin',
    tag: 'admin',
    summary: 'Recent output of a container',
    params: urlId,
    query: W.LogsQuery,
    responses: { 200: text('The last `tail` lines.', 'text/plain') },
    errors: [400, 404, 503],
  },
  // ---- operators ----------------------------------------------------------------------------
  // ---- SimPhoNy-Remote's REST API (its client remoteapprest) --------------------------------
  {
    method: 'get',
    path: '/user/{name}/api/v1/applications',
    access: 'user',
    tag: 'simphony',
    summary: 'The caller’s grants, as SimPhoNy-Remote lists them (a trailing / is accepted)',
    params: userName,
    responses: {
      200: answer('Ids and items by id.', W.simphonyCollection(W.SimphonyApplication)),
    },
    errors: [404],
  },
  {
    method: 'get',
    path: '/user/{name}/api/v1/applications/{mapping_id}',
    access: 'user',
    tag: 'simphony',
    summary: 'One of the caller’s grants',
    params: userName.merge(mappingId),
    responses: { 200: answer('The grant.', W.SimphonyApplication) },
    errors: [404],
  },
  {
    method: 'get',
    path: '/user/{name}/api/v1/containers',
    access: 'user',
    tag: 'simphony',
    summary: 'The caller’s containers, as SimPhoNy-Remote lists them',
    params: userName,
    responses: { 200: answer('Ids and items by id.', W.simphonyCollection(W.SimphonyContainer)) },
    errors: [404],
  },
  {
    method: 'post',
    path: '/user/{name}/api/v1/containers',
    access: 'user',
    tag: 'simphony',
    summary: 'Start an app (as POST /api/v1/containers); Location names the new container',
    description:
      'Location is `<hub origin>/user/<name>/api/v1/containers/<url_id>_<hub port>/`, the shape ' +
      'SimPhoNy’s `remoteapprest app start` reads the app’s address from. With the session ' +
      'cookie, a body without Content-Type is read as JSON and X-CSRF-Token is not needed when ' +
      'the request carries neither `Origin` nor any `Sec-Fetch-*` header (SimPhoNy’s client).',
    params: userName,
    body: W.ContainerStart,
    responses: { 201: answer('Started and answering HTTP.', W.SimphonyContainer) },
    errors: [404, 409, 429, 502, 503, 504],
  },
  {
    method: 'get',
    path: '/user/{name}/api/v1/containers/{url_id}',
    access: 'user',
    tag: 'simphony',
    summary: 'One of the caller’s containers',
    params: userName.merge(simphonyUrlId),
    responses: { 200: answer('The container.', W.SimphonyContainer) },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/user/{name}/api/v1/containers/{url_id}',
    access: 'user',
    tag: 'simphony',
    summary: 'Stop and remove a container',
    description:
      'With the session cookie, X-CSRF-Token is not needed when the request carries neither ' +
      '`Origin` nor any `Sec-Fetch-*` header (SimPhoNy’s client; browsers always send them).',
    params: userName.merge(simphonyUrlId),
    responses: { 204: answer('Stopped.') },
    errors: [404],
  },
  {
    method: 'get',
    path: '/health',
    access: 'public',
    tag: 'operators',
    summary: 'Is the hub serving, does Docker answer?',
    responses: { 200: answer('Always 200 while serving; see `status`.', W.Health) },
  },
  {
    method: 'get',
    path: '/metrics',
    access: 'public',
    tag: 'operators',
    summary: 'Prometheus metrics (bearer `HUB_METRICS_TOKEN` when set)',
    responses: { 200: text('Prometheus text format.', 'text/plain') },
    errors: [401],
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    access: 'public',
    tag: 'operators',
    summary: 'This document',
    responses: {
      200: { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: {} } } },
    },
  },
];

const csrfHeader = z.object({
  'x-csrf-token': z.string().optional().openapi({
    description: 'Required with the session cookie: `csrf_token` of POST /login or GET /api/v1/me.',
  }),
});

function route(op: Operation): RouteConfig {
  const changes = op.method !== 'get';
  const statuses = new Set<ErrorStatus>(op.errors ?? []);
  if (op.access !== 'public') statuses.add(401);
  if (op.access === 'admin' || (changes && op.access !== 'public')) statuses.add(403);
  if (op.body) statuses.add(400).add(413);
  const responses: RouteConfig['responses'] = {};
  for (const [status, config] of Object.entries(op.responses)) responses[status] = config;
  for (const status of [...statuses].sort()) {
    responses[String(status)] = answer(ERROR_MEANING[status], W.ErrorBody);
  }
  const content = {
    ...(op.body ? json(op.body) : {}),
    ...(op.form ? { 'application/x-www-form-urlencoded': { schema: op.form } } : {}),
  };
  return {
    method: op.method,
    path: op.path,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    ...(op.access === 'public' ? { security: [] } : {}),
    request: {
      ...(op.params ? { params: op.params } : {}),
      ...(op.query ? { query: op.query } : {}),
      ...(changes && op.access !== 'public' ? { headers: csrfHeader } : {}),
      ...(op.body ? { body: { required: true, content } } : {}),
    },
    responses,
  };
}

/**
 * Repairs two slips of zod-to-openapi 7 in OpenAPI 3.1 output, so that null validates where the
 * schema allows it: a nullable enum gets `type: [T, "null"]` but no null among its values, and
 * a union with null lists `{type: "null"}` twice.
 */
function repairNulls(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(repairNulls);
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  const types = schema.type;
  if (Array.isArray(types) && types.includes('null') && Array.isArray(schema.enum)) {
    if (!schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  }
  if (Array.isArray(schema.anyOf)) {
    const seen = new Set<string>();
    schema.anyOf = schema.anyOf.filter((member) => {
      const key = JSON.stringify(member);
      return seen.has(key) ? false : (seen.add(key), true);
    });
  }
  Object.values(schema).forEach(repairNulls);
}

/** Every operation of the document, as `METHOD /path` with Koa's `:param` style. */
export function documentedRoutes(): string[] {
  return OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path.replace(/{(\w+)}/g, ':$1')}`);
}

/** Builds the document; pure, so the server, the writer script and the tests agree. */
export function openApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'hub-session',
    description: 'Set by POST /login. State-changing calls also need the X-CSRF-Token header.',
  });
  registry.registerComponent('securitySchemes', 'token', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from POST /api/v1/tokens (or `hub token create`).',
  });
  registry.register('Error', W.ErrorBody);
  for (const op of OPERATIONS) registry.registerPath(route(op));
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'App hub REST API',
      version: 'v1',
      description:
        'Generated from server/api/wire (zod). Admin routes need an admin; every error is ' +
        '`{"error": {"code", "message"}}` (components/schemas/Error).',
    },
    security: [{ session: [] }, { token: [] }],
  });
  repairNulls(document);
  return document;
}
