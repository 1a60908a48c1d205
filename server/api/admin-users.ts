import Router from '@koa/router';
import { runAccountClosedHooks } from '../auth/account-hooks';
import { identityOf, requireAdmin } from '../auth/guards';
import { viewUser } from '../auth/users';
import { BadRequest } from '../errors';
import type { Hub } from '../hub';
import { describeWorkspace, removeWorkspace } from '../spawner/workspace-files';
import {
  UserCreate,
  UserDeleteQuery,
  UserPatch,
  type User,
  type UserCreated,
  type UserDeleted,
  type WorkspacePreview,
} from './wire';

/** Admin management of accounts (shared/DESIGN.md). */
export function adminUsersRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/admin/users' });
  router.use(requireAdmin);

  router.get('/', async (ctx) => {
    ctx.body = (await hub.users.list()).map(viewUser) satisfies User[];
  });

  router.post('/', async (ctx) => {
    const body = UserCreate.parse(ctx.request.body ?? {});
    const { user, generatedPassword } = await hub.users.create(body.name, body);
    await hub.audit({
      actor: identityOf(ctx).name,
      action: 'user.create',
      target: user.name,
      address: ctx.ip,
      details: { admin: user.admin },
    });
    ctx.status = 201;
    ctx.body = {
      ...viewUser(user),
      ...(generatedPassword ? { password: generatedPassword } : {}),
    } satisfies UserCreated;
  });

  router.get('/:name', async (ctx) => {
    ctx.body = viewUser(await hub.users.get(ctx.params.name)) satisfies User;
  });

  router.patch('/:name', async (ctx) => {
    const me = identityOf(ctx);
    const body = UserPatch.parse(ctx.request.body ?? {});
    if (Object.keys(body).length === 0)
      throw new BadRequest('nothing to change: send admin, disabled or password');
    const name = ctx.params.name;
    if (name === me.name && (body.admin === false || body.disabled === true))
      throw new BadRequest('you cannot remove your own admin role or disable yourself');
    let user = await hub.users.get(name);
    if (body.password !== undefined) user = await hub.users.setPassword(name, body.password);
    if (body.admin !== undefined || body.disabled !== undefined)
      user = await hub.users.update(name, { admin: body.admin, disabled: body.disabled });
    if (body.password !== undefined || body.disabled) await hub.sessions.destroyForUser(user.id);
    // A reset means the old password may be known to someone else: nothing it opened lives on.
    if (body.password !== undefined) await hub.tokens.revokeForUser(user.id);
    if (body.disabled) await runAccountClosedHooks(hub, user.name);
    hub.sessions.invalidateUser(user.id);
    hub.tokens.invalidateUser(user.id);
    await hub.audit({
      actor: me.name,
      action: 'user.update',
      target: name,
      address: ctx.ip,
      details: {
        admin: body.admin,
        disabled: body.disabled,
        password_reset: body.password !== undefined,
      },
    });
    ctx.body = viewUser(user) satisfies User;
  });

  // The preview of `DELETE ?delete_workspace=true`: what would go with the account.
  router.get('/:name/workspace', async (ctx) => {
    const user = await hub.users.get(ctx.params.name);
    ctx.body = describeWorkspace(hub.config.data_dir, user.name) satisfies WorkspacePreview;
  });

  router.delete('/:name', async (ctx) => {
    const me = identityOf(ctx);
    const { delete_workspace } = UserDeleteQuery.parse(ctx.query);
    if (ctx.params.name === me.name) throw new BadRequest('you cannot delete yourself');
    const user = await hub.users.get(ctx.params.name);
    // Stopped first: nothing may write into the workspace while it is being deleted.
    await runAccountClosedHooks(hub, user.name);
    await hub.users.remove(user.name);
    await hub.sessions.destroyForUser(user.id);
    hub.tokens.invalidateUser(user.id);
    await hub.audit({ actor: me.name, action: 'user.delete', target: user.name, address: ctx.ip });
    if (!delete_workspace) {
      ctx.status = 204;
      return;
    }
    const workspace = removeWorkspace(hub.config.data_dir, user.name);
    await hub.audit({
      actor: me.name,
      action: workspace.deleted ? 'workspace.delete' : 'workspace.delete_failed',
      target: user.name,
      address: ctx.ip,
      details: {
        path: workspace.path,
        files: workspace.files,
        bytes: workspace.bytes,
        reason: workspace.reason,
      },
    });
    ctx.body = { name: user.name, workspace } satisfies UserDeleted;
  });

  return router;
}
