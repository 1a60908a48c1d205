import type { Command } from 'commander';
import { viewUser } from '../auth/users';
import { listGrants } from '../catalog/grants';
import type { Core } from '../core';
import { HubError } from '../errors';
import { LABELS } from '../spawner/names';
import { describeWorkspace, removeWorkspace } from '../spawner/workspace-files';
import { readSecret } from './stdin';
import { printTable } from './output';

/** `hub user ...`: accounts, on the same database and rules as the REST API. */
export function registerUserCommands(
  program: Command,
  withHub: (fn: (hub: Core) => Promise<void>) => Promise<void>,
): void {
  const user = program.command('user').description('manage user accounts');

  user
    .command('create <name>')
    .description(
      'create a user; the password is read from stdin (empty: one is generated and printed)',
    )
    .option('--admin', 'make the user an admin')
    .action((name: string, opts: { admin?: boolean }) =>
      withHub(async (hub) => {
        const password = await readSecret(`password for ${name} (empty to generate): `);
        const { user: u, generatedPassword } = await hub.users.create(name, {
          password: password || undefined,
          admin: Boolean(opts.admin),
        });
        await hub.audit({
          actor: 'cli',
          action: 'user.create',
          target: u.name,
          details: { admin: u.admin },
        });
        console.log(`created user ${u.name}${u.admin ? ' (admin)' : ''}`);
        if (generatedPassword) console.log(`password: ${generatedPassword}`);
      }),
    );

  user
    .command('list')
    .description('list users')
    .option('--show-apps', 'also the applications each user may run, one line a grant')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean; showApps?: boolean }) =>
      withHub(async (hub) => {
        const rows = (await hub.users.list()).map(viewUser);
        if (!opts.showApps) {
          if (opts.json) console.log(JSON.stringify(rows, null, 2));
          else printTable(rows, ['name', 'admin', 'disabled', 'created_at', 'last_login_at']);
          return;
        }
        const grants = await listGrants(hub);
        if (opts.json) {
          const apps = (name: string) =>
            grants
              .filter((g) => g.user === name)
              .map((g) => ({ mapping_id: g.mapping_id, image: g.image, policy: g.policy }));
          console.log(
            JSON.stringify(
              rows.map((u) => ({ ...u, apps: apps(u.name) })),
              null,
              2,
            ),
          );
          return;
        }
        // As remoteappdb prints it: the user on the first line of their grants.
        const table = rows.flatMap((u) => {
          const mine = grants.filter((g) => g.user === u.name);
          if (mine.length === 0) return [{ name: u.name }];
          return mine.map((g, i) => ({
            name: i === 0 ? u.name : '',
            app: g.image,
            home: g.policy.allow_home,
            view: g.policy.allow_view,
            common: g.policy.allow_common,
            'vol. source': g.policy.volume_source ?? '',
            'vol. target': g.policy.volume_target ?? '',
            'vol. mode': g.policy.volume_mode ?? '',
          }));
        });
        printTable(table, [
          'name',
          'app',
          'home',
          'view',
          'common',
          'vol. source',
          'vol. target',
          'vol. mode',
        ]);
      }),
    );

  user
    .command('remove <name>')
    .description('delete a user (their containers are stopped by the hub on its next reconcile)')
    .option('--delete-workspace', "also delete the user's home workspace folder")
    .option('--dry-run', 'only show what would be deleted')
    .action((name: string, opts: { deleteWorkspace?: boolean; dryRun?: boolean }) =>
      withHub(async (hub) => {
        const found = await hub.users.get(name);
        if (opts.deleteWorkspace) {
          // The CLI stops nothing: a running app could still be writing into the folder.
          const running = await hub.docker.call('list containers', (api, abortSignal) =>
            api.listContainers({
              filters: {
                label: [`${LABELS.realm}=${hub.config.realm}`, `${LABELS.user}=${found.name}`],
              },
              abortSignal,
            }),
          );
          if (running.length > 0) {
            throw new HubError(
              409,
              'user_has_containers',
              `${found.name} still runs ${running.length} app(s) that may write into the workspace; ` +
                'stop them first, or delete the user from the admin page, which stops them',
            );
          }
        }
        if (opts.dryRun) {
          const ws = describeWorkspace(hub.config.data_dir, found.name);
          console.log(`would remove user ${found.name}`);
          if (opts.deleteWorkspace) {
            console.log(
              ws.exists
                ? `would delete ${ws.path}: ${ws.files} files, ${ws.bytes} bytes\n${ws.sample.map((f) => `  ${f}`).join('\n')}`
                : `no workspace at ${ws.path}`,
            );
          }
          return;
        }
        await hub.users.remove(found.name);
        await hub.audit({ actor: 'cli', action: 'user.delete', target: found.name });
        console.log(`removed user ${found.name}`);
        if (!opts.deleteWorkspace) return;
        const ws = removeWorkspace(hub.config.data_dir, found.name);
        await hub.audit({
          actor: 'cli',
          action: ws.deleted ? 'workspace.delete' : 'workspace.delete_failed',
          target: found.name,
          details: { path: ws.path, files: ws.files, bytes: ws.bytes, reason: ws.reason },
        });
        if (ws.deleted) console.log(`deleted ${ws.path}: ${ws.files} files, ${ws.bytes} bytes`);
        else if (!ws.exists) console.log(`no workspace at ${ws.path}`);
        else {
          console.error(`the workspace stays: ${ws.reason}`);
          process.exitCode = 1;
        }
      }),
    );

  user
    .command('set-admin <name>')
    .description('grant the admin role (or take it away with --off)')
    .option('--off', 'remove the admin role')
    .action((name: string, opts: { off?: boolean }) =>
      withHub(async (hub) => {
        await hub.users.update(name, { admin: !opts.off });
        await hub.audit({
          actor: 'cli',
          action: 'user.update',
          target: name,
          details: { admin: !opts.off },
        });
        console.log(`${name} is ${opts.off ? 'no longer an admin' : 'an admin'}`);
      }),
    );

  for (const [cmd, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    user
      .command(`${cmd} <name>`)
      .description(`${cmd} a user's login`)
      .action((name: string) =>
        withHub(async (hub) => {
          const u = await hub.users.update(name, { disabled });
          if (disabled) await hub.sessions.destroyForUser(u.id);
          await hub.audit({
            actor: 'cli',
            action: 'user.update',
            target: name,
            details: { disabled },
          });
          console.log(`${name} ${disabled ? 'disabled' : 'enabled'}`);
        }),
      );
  }

  user
    .command('reset-password <name>')
    .description("set a new password, read from stdin; ends the user's sessions and API tokens")
    .action((name: string) =>
      withHub(async (hub) => {
        const password = await readSecret(`new password for ${name}: `);
        const u = await hub.users.setPassword(name, password);
        await hub.sessions.destroyForUser(u.id);
        const revoked = await hub.tokens.revokeForUser(u.id);
        await hub.audit({
          actor: 'cli',
          action: 'user.password',
          target: name,
          details: { tokens_revoked: revoked },
        });
        console.log(`password of ${name} changed; sessions ended, ${revoked} API token(s) revoked`);
      }),
    );
}
