import fs from 'node:fs';
import type { Command } from 'commander';
import {
  createGrant,
  listApplications,
  listGrants,
  parsePolicy,
  registerApplication,
  revokeGrantById,
  unregisterApplication,
} from '../catalog/grants';
import { listUnusedImages, removeUnusedImages } from '../catalog/image-cleanup';
import { isValidImageRef, normalizeImageRef } from '../catalog/image-ref';
import { samePolicy } from '../catalog/policy';
import { BadRequest, NotFound } from '../errors';
import type { Core } from '../core';
import { readAccountingCsv, writeAccountingCsv } from './accounting-csv';
import { importAccounting } from './accounting-import';
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
              view: g.policy.allow_view,
              volume: g.policy.volume_source
                ? `${g.policy.volume_source}:${g.policy.volume_target}:${g.policy.volume_mode}`
                : '',
              startup_data: g.policy.allow_startup_data,
            })),
            ['mapping_id', 'user', 'image', 'home', 'view', 'volume', 'startup_data'],
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
    .option('--remove-image', 'also remove the image; refused while a container uses it')
    .action((image: string, opts: { removeImage?: boolean }) =>
      withHub(async (hub) => {
        const result = await unregisterApplication(hub, image, {
          ...CLI,
          removeImage: opts.removeImage,
        });
        console.log(`unregistered ${result.application.image}`);
        const removal = result.image;
        if (!removal) return;
        if (removal.id === null) console.log('the image was not on the engine: nothing to remove');
        else if (removal.removed) console.log(`removed image ${result.application.image}`);
        else {
          console.error(`the image stays: ${removal.reason}`);
          process.exitCode = 1;
        }
      }),
    );

  app
    .command('prune-images')
    .description(
      'remove hub-labelled images no container uses that are dangling or unregistered (never others)',
    )
    .option('--dry-run', 'only list what would be removed')
    .option('--json', 'print JSON')
    .action((opts: { dryRun?: boolean; json?: boolean }) =>
      withHub(async (hub) => {
        if (opts.dryRun) {
          const unused = await listUnusedImages(hub);
          if (opts.json) console.log(JSON.stringify(unused, null, 2));
          else if (unused.length === 0) console.log('no unused images');
          else
            printTable(
              unused.map((u) => ({ ...u, repo_tags: u.repo_tags.join(' ') || '<none>' })),
              ['id', 'repo_tags', 'reason', 'ui_name', 'size_bytes'],
            );
          return;
        }
        const { removed, skipped } = await removeUnusedImages(hub, undefined, CLI);
        if (opts.json) console.log(JSON.stringify({ removed, skipped }, null, 2));
        else {
          for (const r of removed) console.log(`removed ${r.id} ${r.repo_tags.join(' ')}`);
          for (const r of skipped) console.error(`kept ${r.id}: ${r.reason}`);
          console.log(`${removed.length} removed, ${skipped.length} kept`);
        }
        if (skipped.length > 0) process.exitCode = 1;
      }),
    );

  app
    .command('grant <image> <user>')
    .description('let a user run an image under a policy (remoteappdb spellings)')
    .option('--allow-home', "mount the user's workspace at /workspace")
    .option('--allow-view', 'let the user share a running container with others')
    .option(
      '--volume <spec>',
      'bind mount SRC:TGT:ro|rw (SRC under spawner.allowed_volume_roots); sets allow_common',
    )
    .option('--allow-startup-data', 'let the user pass a startup file')
    .option('--app_license <text>', 'APP_LICENSE for the container')
    .option('--license <text>', 'the same as --app_license')
    .option('--memory <limit>', 'memory limit, e.g. 2g')
    .option('--cpus <n>', 'CPU limit')
    .action((image: string, user: string, opts: PolicyOptions) =>
      withHub(async (hub) => {
        const { mapping_id, created } = await createGrant(
          hub,
          { user, image, policy: policyFromOptions(opts) },
          CLI,
        );
        console.log(
          `${created ? 'granted' : 'already granted'}: ${image} to ${user} (mapping_id ${mapping_id})`,
        );
      }),
    );

  app
    .command('revoke <image> <user>')
    .description(
      "revoke a user's grant on an image: the one with the policy the options describe, " +
        'the only one, or with --revoke-all every one',
    )
    .option('--revoke-all', 'revoke every grant of the user on the image, whatever its policy')
    .option('--allow-home', 'the grant to revoke mounts the workspace')
    .option('--allow-view', 'the grant to revoke allows sharing')
    .option('--volume <spec>', 'the grant to revoke mounts SRC:TGT:ro|rw')
    .option('--allow-startup-data', 'the grant to revoke allows startup data')
    .option('--app_license <text>', 'the grant to revoke carries this licence')
    .action((image: string, user: string, opts: PolicyOptions & { revokeAll?: boolean }) =>
      withHub(async (hub) => {
        const grants = await listGrants(hub, { user, image: checkedImage(image) });
        let chosen = grants;
        if (!opts.revokeAll) {
          const described = describesPolicy(opts);
          if (described) {
            const wanted = parsePolicy(policyFromOptions(opts));
            chosen = grants.filter((g) => samePolicy(g.policy, wanted));
          } else if (grants.length > 1) {
            throw new BadRequest(
              `${user} has ${grants.length} grants on ${image} with different policies; ` +
                'describe the one to revoke with its options (--allow-home, --volume, ...) ' +
                'or pass --revoke-all',
            );
          }
        }
        if (chosen.length === 0) {
          throw new NotFound(
            `user "${user}" has no grant on ${image}` +
              (grants.length ? ' with that policy (see hub app list --user)' : ''),
          );
        }
        for (const g of chosen) await revokeGrantById(hub, g.mapping_id, CLI);
        console.log(`revoked ${chosen.length} grant(s) of ${user} on ${image}`);
      }),
    );

  app
    .command('import <file>')
    .description(
      "import grants from SimPhoNy-Remote's accounting CSV (all or nothing; " +
        'users must exist and images be registered)',
    )
    .action((file: string) =>
      withHub(async (hub) => {
        const records = readAccountingCsv(readCsvFile(file));
        const { created, existing } = await importAccounting(hub, records, CLI);
        console.log(
          `imported ${created.length} grant(s) from ${records.length} row(s)` +
            (existing ? `; ${existing} were granted already` : ''),
        );
      }),
    );

  app
    .command('export [file]')
    .description("write every grant as SimPhoNy-Remote's accounting CSV (to stdout without a file)")
    .action((file: string | undefined) =>
      withHub(async (hub) => {
        const csv = writeAccountingCsv(await listGrants(hub));
        if (file) fs.writeFileSync(file, csv, { mode: 0o600 });
        else process.stdout.write(csv);
      }),
    );
}

/** The policy options `grant` and `revoke` share, as commander names them. */
interface PolicyOptions {
  allowHome?: boolean;
  allowView?: boolean;
  volume?: string;
  allowStartupData?: boolean;
  app_license?: string;
  license?: string;
  memory?: string;
  cpus?: string;
}

function describesPolicy(o: PolicyOptions): boolean {
  return Boolean(
    o.allowHome || o.allowView || o.volume || o.allowStartupData || o.app_license || o.license,
  );
}

/** As remoteappdb: a volume makes allow_common true. */
function policyFromOptions(o: PolicyOptions) {
  const license = o.app_license ?? o.license;
  return {
    allow_home: Boolean(o.allowHome),
    allow_view: Boolean(o.allowView),
    allow_common: Boolean(o.volume),
    allow_startup_data: Boolean(o.allowStartupData),
    ...(o.volume ? parseVolume(o.volume) : {}),
    ...(license ? { app_license: license } : {}),
    ...(o.memory ? { memory_limit: o.memory } : {}),
    ...(o.cpus ? { cpu_limit: Number(o.cpus) } : {}),
  };
}

function checkedImage(image: string): string {
  if (!isValidImageRef(image.trim())) {
    throw new BadRequest(
      `image: "${image.slice(0, 80)}" is not an image reference such as "name:tag"`,
    );
  }
  return normalizeImageRef(image);
}

function readCsvFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new BadRequest(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}
