import type { Command } from 'commander';
import {
  createGrant,
  listApplications,
  listGrants,
  registerApplication,
  revokeGrant,
  unregisterApplication,
} from '../catalog/grants';
import { BadRequest } from '../errors';
import type { Core } from '../core';
import { printTable } from './output';

const CLI = { actor: 'cli' };

/** Parses `SRC:TGT:ro|rw` (the mode may be left out: read-only). */
export function parseVolume(spec: string): {
  volume_source: string;
  volume_target: string;
  volume_mode: 'ro' | 'rw';
} {
  const m = /^([^:]+):([^:]+)(?::(ro|rw))?$/.exec(spec);
  if (!m) throw new BadRequest(`--volume: expected SRC:TGT:ro|rw, got "${spec.slice(0, 200)}"`);
  return { volume_source: m[1], volume_target: m[2], volume_mode: (m[3] as 'ro' | 'rw') ?? 'ro' };
}

/** `hub app ...`: registered applications and grants, in the manner of SimPhoNy-Remote's remoteappdb. */
export function registerAppCommands(
  program: Command,
  withHub: (fn: (hub: Core) => Promise<void>) => Promise<void>,
): void {
  const app = program.command('app').description('manage registered applications and grants');

  app
    .command('create <image>')
    .description('register an image for the catalogue')
    .option(
      '--force',
      'register even when the image is not on the engine (pulled later) or unlabelled',
    )
    .action((image: string, opts: { force?: boolean }) =>
      withHub(async (hub) => {
        const { application, created } = await registerApplication(hub, image, {
          ...CLI,
          force: opts.force,
        });
        console.log(
          `${created ? 'registered' : 'already registered'}: ${application.image} (id ${application.id})`,
        );
      }),
    );

  app
    .command('list')
    .description('list registered applications, or with --grants every grant')
    .option('--grants', 'list grants instead')
    .option('--user <name>', 'only grants of this user')
    .option('--json', 'print JSON')
    .action((opts: { grants?: boolean; user?: string; json?: boolean }) =>
      withHub(async (hub) => {
        if (opts.grants || opts.user) {
          const grants = await listGrants(hub, { user: opts.user });
          if (opts.json) return console.log(JSON.stringify(grants, null, 2));
          printTable(
            grants.map((g) => ({
              mapping_id: g.mapping_id,
              user: g.user,
              image: g.image,
              home: g.policy.allow_home,
              volume: g.policy.volume_source
                ? `${g.policy.volume_source}:${g.policy.volume_target}:${g.policy.volume_mode}`
                : '',
              startup_data: g.policy.allow_startup_data,
            })),
            ['mapping_id', 'user', 'image', 'home', 'volume', 'startup_data'],
          );
          return;
        }
        const apps = await listApplications(hub);
        if (opts.json) console.log(JSON.stringify(apps, null, 2));
        else printTable(apps, ['id', 'image', 'grants', 'created_at']);
      }),
    );

  app
    .command('remove <image>')
    .description('unregister an application (its grants go with it)')
    .action((image: string) =>
      withHub(async (hub) => {
        await unregisterApplication(hub, image, CLI);
        console.log(`unregistered ${image}`);
      }),
    );

  app
    .command('grant <image> <user>')
    .description('let a user run an image under a policy')
    .option('--allow-home', "mount the user's workspace at /workspace")
    .option('--volume <spec>', 'bind mount SRC:TGT:ro|rw (SRC under spawner.allowed_volume_roots)')
    .option('--allow-startup-data', 'let the user pass a startup file')
    .option('--license <text>', 'APP_LICENSE for the container')
    .option('--memory <limit>', 'memory limit, e.g. 2g')
    .option('--cpus <n>', 'CPU limit')
    .action(
      (
        image: string,
        user: string,
        opts: {
          allowHome?: boolean;
          volume?: string;
          allowStartupData?: boolean;
          license?: string;
          memory?: string;
          cpus?: string;
        },
      ) =>
        withHub(async (hub) => {
          const policy = {
            allow_home: Boolean(opts.allowHome),
            allow_startup_data: Boolean(opts.allowStartupData),
            ...(opts.volume ? parseVolume(opts.volume) : {}),
            ...(opts.license ? { app_license: opts.license } : {}),
            ...(opts.memory ? { memory_limit: opts.memory } : {}),
            ...(opts.cpus ? { cpu_limit: Number(opts.cpus) } : {}),
          };
          const { mapping_id, created } = await createGrant(hub, { user, image, policy }, CLI);
          console.log(
            `${created ? 'granted' : 'already granted'}: ${image} to ${user} (mapping_id ${mapping_id})`,
          );
        }),
    );

  app
    .command('revoke <image> <user>')
    .description("revoke a user's grants on an image")
    .action((image: string, user: string) =>
      withHub(async (hub) => {
        const revoked = await revokeGrant(hub, user, image, CLI);
        console.log(`revoked ${revoked.length} grant(s) of ${user} on ${image}`);
      }),
    );
}
