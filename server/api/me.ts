import Router from '@koa/router';
import { identityOf, requireUser } from '../auth/guards';
import { verifyPassword } from '../auth/passwords';
import { HubError } from '../errors';
import type { Hub } from '../hub';
import { PasswordChange, type Me } from './wire';

/** The caller's own account. */
export function meRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/me' });

  router.get('/', requireUser, (ctx) => {
    const id = identityOf(ctx);
    ctx.body = {
      name: id.name,
      admin: id.admin,
      csrf_token: id.csrfToken ?? null,
      // Admins see a warning while apps share the hub's origin (DESIGN.md "App origins").
      apps_domain: hub.apps.origins.appsDomainFor(ctx.req),
      shares_anonymous: hub.shares.options.anonymous,
    } satisfies Me;
  });

  /**
   * Changing one's own password ends every session of that user, this one included: whoever
   * knew the old password may hold one. API tokens are separate secrets and live on unless
   * `revoke_tokens` is true (the portal sends true unless the user unticks it): a script's
   * token need not die with a routine change, but a suspected leak ends both in one step.
   */
  router.post('/password', requireUser, async (ctx) => {
    const id = identityOf(ctx);
    const body = PasswordChange.parse(ctx.request.body);
    const user = await hub.users.get(id.name);
    if (!(await verifyPassword(user.password_hash, body.current_password)))
      throw new HubError(400, 'invalid_credentials', 'current_password is wrong');
    await hub.users.setPassword(id.name, body.new_password);
    await hub.sessions.destroyForUser(id.userId);
    const tokensRevoked = body.revoke_tokens ? await hub.tokens.revokeForUser(id.userId) : 0;
    await hub.audit({
      actor: id.name,
      action: 'user.password',
      target: id.name,
      address: ctx.ip,
      details: { tokens_revoked: tokensRevoked },
    });
    ctx.status = 204;
  });

  return router;
}
