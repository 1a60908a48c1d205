// A real OpenID provider (the certified `oidc-provider` package) for the sign-in tests, run as
// a child process with plain node because the package is ESM-only and jest loads CommonJS.
// Reads its settings from the JSON file named by argv[2], and that file again at every
// sign-in, so a test can move a person between groups while it runs. Prints "ready" once it
// listens. Only loopback: the login page loads nothing from elsewhere.
import fs from 'node:fs';
import { URLSearchParams } from 'node:url';
import Provider from 'oidc-provider';

const file = process.argv[2];
const read = () => JSON.parse(fs.readFileSync(file, 'utf8'));
const settings = read();
const issuer = `http://127.0.0.1:${settings.port}`;

const accountClaims = (login) => {
  const a = read().accounts[login];
  if (!a) return undefined;
  return {
    sub: login,
    preferred_username: a.preferred_username ?? login,
    email: a.email ?? `${login}@example.org`,
    groups: a.groups ?? [],
  };
};

const provider = new Provider(issuer, {
  clients: settings.clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  })),
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'groups'],
    email: ['email'],
  },
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  cookies: { keys: ['test-provider-cookie-key'] },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  // A first-party app: no consent page, the grant covers what the hub asks for.
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const id = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    const grant = new ctx.oidc.provider.Grant({
      clientId: client.clientId,
      accountId: session.accountId,
    });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
  async findAccount(_ctx, sub) {
    if (!accountClaims(sub)) return undefined;
    return { accountId: sub, claims: async () => accountClaims(sub) };
  },
  ttl: {
    IdToken: 3600,
    AccessToken: 3600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 600,
    Grant: 600,
  },
});
provider.proxy = false;

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>${body}</body></html>`;

async function formBody(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return Object.fromEntries(new URLSearchParams(raw));
}

provider.use(async (ctx, next) => {
  const m = /^\/interaction\/([\w-]+)$/.exec(ctx.path);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.prompt.name !== 'login') ctx.throw(501, `no page for prompt ${details.prompt.name}`);
  let problem = '';
  if (ctx.method === 'POST') {
    const { login, password } = await formBody(ctx.req);
    const account = read().accounts[login];
    if (account && account.password === password) {
      await provider.interactionFinished(
        ctx.req,
        ctx.res,
        { login: { accountId: login } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    problem = '<p role="alert">Wrong login or password.</p>';
  }
  ctx.type = 'html';
  ctx.body = page(
    'Test provider sign-in',
    `${problem}<form method="post" action="/interaction/${esc(m[1])}">
<label>Login <input name="login" autocomplete="off"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in at provider</button></form>`,
  );
});

provider.listen(settings.port, '127.0.0.1', () => console.log('ready'));
