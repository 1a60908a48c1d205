import type { Command } from 'commander';
import { BadRequest } from '../errors';
import type { Core } from '../core';
import { printTable } from './output';

/** `hub token ...`: API tokens for automation. */
export function registerTokenCommands(
  program: Command,
  withHub: (fn: (hub: Core) => Promise<void>) => Promise<void>,
): void {
  const token = program.command('token').description('manage API tokens');

  token
    .command('create <user>')
    .description('create an API token for a user and print it (shown once)')
    .option('--note <text>', 'what the token is for')
    .option('--expires-in <seconds>', 'lifetime in seconds')
    .action((name: string, opts: { note?: string; expiresIn?: string }) =>
      withHub(async (hub) => {
        const u = await hub.users.get(name);
        const expires = opts.expiresIn === undefined ? null : Number(opts.expiresIn);
        if (expires !== null && (!Number.isInteger(expires) || expires <= 0))
          throw new BadRequest('--expires-in: whole seconds, more than 0');
        const created = await hub.tokens.create(u.id, opts.note ?? null, expires);
        await hub.audit({
          actor: 'cli',
          action: 'token.create',
          target: String(created.id),
          details: { user: name },
        });
        console.log(created.token);
      }),
    );

  token
    .command('list <user>')
    .description("list a user's live tokens")
    .action((name: string) =>
      withHub(async (hub) => {
        const u = await hub.users.get(name);
        printTable(await hub.tokens.list(u.id), [
          'id',
          'note',
          'created_at',
          'expires_at',
          'last_used_at',
        ]);
      }),
    );

  token
    .command('revoke <user> <id>')
    .description('revoke a token')
    .action((name: string, id: string) =>
      withHub(async (hub) => {
        const u = await hub.users.get(name);
        await hub.tokens.revoke(u.id, Number(id));
        await hub.audit({
          actor: 'cli',
          action: 'token.revoke',
          target: id,
          details: { user: name },
        });
        console.log(`revoked token ${id}`);
      }),
    );
}
