import crypto from 'node:crypto';
import {
  AccountingEntity,
  ApplicationEntity,
  PolicyEntity,
  type ApplicationRow,
} from '../db/entities';
import { BadRequest, HubError, NotFound } from '../errors';
import type { Core } from '../core';
import type { GrantsRemovedHook } from '../hooks';
import type { Hub } from '../hub';
import { clip } from '../log';
import { findGrants, type GrantFilter } from './grant-repository';
import { checkImageRemovable, removeRegisteredImage } from './image-cleanup';
import { catalogForLookup } from './service';
import { isValidImageRef, normalizeImageRef } from './image-ref';
import { policyFromRow, policySchema, samePolicy, type Policy, type PolicyInput } from './policy';

/**
 * Registered applications and grants (user × application × policy), shared by the REST API and
 * the `hub app` CLI so both enforce the same rules and leave the same audit trail. Callers check
 * who may call what; these functions check what is asked.
 */

/** Who acts, for the audit log: the admin's name (null for the CLI run by the operator). */
export interface Actor {
  actor?: string | null;
  address?: string | null;
}

/** A grant as the admin API and CLI show it. */
export interface GrantView {
  mapping_id: string;
  user: string;
  image: string;
  application_id: number;
  policy: Policy;
  created_at: string;
}

/** A registered application with the number of grants that use it. */
export interface ApplicationView {
  id: number;
  image: string;
  created_at: string;
  grants: number;
}

/** SQLite returns TypeORM datetimes as `YYYY-MM-DD HH:MM:SS.sss` in UTC from raw queries. */
export function sqlDate(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const s = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`).toISOString();
}

/** Grants of one hub process are created one at a time, so a double submit cannot duplicate. */
let grantQueue: Promise<unknown> = Promise.resolve();
function serially<T>(work: () => Promise<T>): Promise<T> {
  const run = grantQueue.then(work, work);
  grantQueue = run.catch(() => undefined);
  return run;
}

function checkImage(image: unknown): string {
  if (typeof image !== 'string' || !isValidImageRef(image.trim())) {
    throw new BadRequest(
      `image: "${clip(image, 80)}" is not an image reference such as "name:tag" or "registry/name:tag"`,
    );
  }
  return normalizeImageRef(image);
}

export type { GrantsRemovedHook };

async function runGrantsRemoved(hub: Core, mappingIds: string[]): Promise<void> {
  if (mappingIds.length === 0) return;
  for (const hook of hub.hooks.grantsRemoved) {
    try {
      await hook(mappingIds);
    } catch (err) {
      hub.log.error({ err, grants: mappingIds.length }, 'grants-removed hook failed');
    }
  }
}

async function deleteOrphanPolicies(hub: Core): Promise<void> {
  await hub.db.query('DELETE FROM policies WHERE id NOT IN (SELECT policy_id FROM accounting)');
}

/** The registered application for an id or an image reference; null when there is none. */
export async function findApplication(
  hub: Core,
  idOrImage: number | string,
): Promise<ApplicationRow | null> {
  const repo = hub.db.getRepository(ApplicationEntity);
  if (typeof idOrImage === 'number' || /^\d+$/.test(idOrImage)) {
    return repo.findOne({ where: { id: Number(idOrImage) } });
  }
  if (!isValidImageRef(idOrImage.trim())) return null;
  return repo.findOne({ where: { image: normalizeImageRef(idOrImage) } });
}

/**
 * Registers an image for the catalogue. The image must be on the engine and carry the label
 * namespace, unless `force` (an image to be pulled later, or an unlabelled legacy image).
 * Registering again returns the existing row with `created: false`. Asks the running catalogue
 * when the caller has one (the API), else the engine directly (the CLI, the first run).
 */
export async function registerApplication(
  hub: Core & Partial<Pick<Hub, 'catalog'>>,
  image: string,
  opts: Actor & { force?: boolean } = {},
): Promise<{ application: ApplicationRow; created: boolean }> {
  const ref = checkImage(image);
  const repo = hub.db.getRepository(ApplicationEntity);
  const existing = await repo.findOne({ where: { image: ref } });
  if (existing) return { application: existing, created: false };
  if (!opts.force) {
    const entry = await catalogForLookup(hub).lookup(ref);
    if (!entry) {
      throw new HubError(
        404,
        'image_not_found',
        `image ${ref} is not on the Docker engine; build or pull it first, ` +
          'or register it anyway with force: true (CLI: --force)',
      );
    }
    if (!entry.labelled) {
      throw new HubError(
        400,
        'not_an_application',
        `image ${ref} carries no eu.simphony-project.docker.* labels, so it declares no application; ` +
          'register it anyway with force: true (CLI: --force)',
      );
    }
  }
  let application: ApplicationRow;
  try {
    application = await repo.save({ image: ref, created_at: new Date() });
  } catch (err) {
    // Another request registered it a moment ago: same outcome.
    const again = await repo.findOne({ where: { image: ref } });
    if (!again) throw err;
    return { application: again, created: false };
  }
  await hub.audit({
    actor: opts.actor ?? null,
    action: 'application.register',
    target: ref,
    address: opts.address,
    details: { id: application.id, force: Boolean(opts.force) },
  });
  return { application, created: true };
}

/** What became of the image when unregistering asked for its removal. */
export interface ImageRemoval {
  /** The image id, or null when the engine did not have the image (nothing to remove). */
  id: string | null;
  removed: boolean;
  reason?: string;
}

/**
 * Removes a registered application and, with it, every grant of it. With `removeImage`, also its
 * image, refused (409, nothing changed) while any container uses it.
 */
export async function unregisterApplication(
  hub: Core,
  idOrImage: number | string,
  opts: Actor & { removeImage?: boolean } = {},
): Promise<{ application: ApplicationRow; image: ImageRemoval | null }> {
  const app = await findApplication(hub, idOrImage);
  if (!app) throw new NotFound(`no registered application "${clip(idOrImage, 80)}"`);
  const removable = opts.removeImage ? await checkImageRemovable(hub, app.image) : null;
  const grants = await listGrants(hub, { application_id: app.id });
  await hub.db.transaction(async (m) => {
    await m.getRepository(AccountingEntity).delete({ application_id: app.id });
    await m.getRepository(ApplicationEntity).delete({ id: app.id });
  });
  await deleteOrphanPolicies(hub);
  await hub.audit({
    actor: opts.actor ?? null,
    action: 'application.unregister',
    target: app.image,
    address: opts.address,
    details: { id: app.id, grants_removed: grants.length },
  });
  await runGrantsRemoved(
    hub,
    grants.map((g) => g.mapping_id),
  );
  if (!opts.removeImage) return { application: app, image: null };
  if (!removable) return { application: app, image: { id: null, removed: false } };
  const outcome = await removeRegisteredImage(hub, app.image);
  await hub.audit({
    actor: opts.actor ?? null,
    action: outcome.removed ? 'image.remove' : 'image.remove_failed',
    target: app.image,
    address: opts.address,
    details: {
      image_id: removable.id,
      other_tags: removable.tags.filter((t) => t !== app.image),
      reason: outcome.reason,
    },
  });
  return { application: app, image: { id: removable.id, ...outcome } };
}

/** Every registered application with its grant count, in one query. */
export async function listApplications(hub: Core): Promise<ApplicationView[]> {
  const rows: Array<Record<string, unknown>> = await hub.db.query(
    // Count first, join after: one pass over the grants however many applications there are.
    `SELECT app.id, app.image, app.created_at, COALESCE(g.n, 0) AS grants
       FROM applications app
       LEFT JOIN (SELECT application_id, COUNT(*) AS n FROM accounting GROUP BY application_id) g
         ON g.application_id = app.id
      ORDER BY app.image`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    image: String(r.image),
    created_at: sqlDate(r.created_at),
    grants: Number(r.grants),
  }));
}

/** Registered images → application id, without grant counts (cheap). */
export async function registeredImages(hub: Core): Promise<Map<string, number>> {
  const rows: Array<{ id: number; image: string }> = await hub.db.query(
    'SELECT id, image FROM applications',
  );
  return new Map(rows.map((r) => [r.image, Number(r.id)]));
}

/** Parses a policy as the API accepts it; throws BadRequest naming each bad field. */
export function parsePolicy(input: unknown): Policy {
  const result = policySchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const field = i.path.join('.');
    // Our own messages already start with the field name; zod's built-in ones do not.
    return !field || i.message.startsWith(`${field}:`) ? i.message : `${field}: ${i.message}`;
  });
  throw new BadRequest(`policy: ${problems.join('; ')}`);
}

/**
 * Grants `user` the application of `image` under `policy`. The same user, image and policy
 * again returns the existing grant (`created: false`) instead of a duplicate; a different
 * policy is a second grant (an app may be offered, say, with and without a shared volume).
 */
export async function createGrant(
  hub: Core,
  input: { user: string; image: string; policy?: PolicyInput | Policy },
  opts: Actor = {},
): Promise<{ mapping_id: string; created: boolean }> {
  const policy = parsePolicy(input.policy);
  const ref = checkImage(input.image);
  const user = await hub.users.find(input.user);
  if (!user) throw new NotFound(`user: no user named "${clip(input.user, 64)}"`);
  const app = await findApplication(hub, ref);
  if (!app) {
    throw new HubError(
      400,
      'not_registered',
      `image: ${ref} is not a registered application; register it first (POST /api/v1/admin/applications or hub app create)`,
    );
  }
  const result = await serially(async () => {
    const rows: Array<Record<string, unknown>> = await hub.db.query(
      `SELECT acc.id AS mapping_id, p.* FROM accounting acc JOIN policies p ON p.id = acc.policy_id
        WHERE acc.user_id = ? AND acc.application_id = ?`,
      [user.id, app.id],
    );
    const same = rows.find((r) => samePolicy(policyFromRow(r), policy));
    if (same) return { mapping_id: String(same.mapping_id), created: false };
    const mapping_id = crypto.randomBytes(16).toString('hex');
    await hub.db.transaction(async (m) => {
      const row = await m.getRepository(PolicyEntity).save({ ...policy });
      await m.getRepository(AccountingEntity).insert({
        id: mapping_id,
        user_id: user.id,
        application_id: app.id,
        policy_id: row.id,
        created_at: new Date(),
      });
    });
    return { mapping_id, created: true };
  });
  if (result.created) {
    await hub.audit({
      actor: opts.actor ?? null,
      action: 'grant.create',
      target: `${user.name}:${ref}`,
      address: opts.address,
      details: {
        mapping_id: result.mapping_id,
        policy: { ...policy, app_license: policy.app_license ? '[set]' : null },
      },
    });
  }
  return result;
}

async function removeGrants(hub: Core, grants: GrantView[], opts: Actor): Promise<void> {
  if (grants.length === 0) return;
  await hub.db.getRepository(AccountingEntity).delete(grants.map((g) => g.mapping_id));
  await deleteOrphanPolicies(hub);
  await runGrantsRemoved(
    hub,
    grants.map((g) => g.mapping_id),
  );
  for (const g of grants) {
    await hub.audit({
      actor: opts.actor ?? null,
      action: 'grant.revoke',
      target: `${g.user}:${g.image}`,
      address: opts.address,
      details: { mapping_id: g.mapping_id },
    });
  }
}

/** Revokes one grant by its mapping_id; NotFound when there is none. */
export async function revokeGrantById(
  hub: Core,
  mappingId: string,
  opts: Actor = {},
): Promise<GrantView> {
  const [grant] = await listGrants(hub, { mapping_id: mappingId });
  if (!grant) throw new NotFound(`no grant with mapping_id "${clip(mappingId, 40)}"`);
  await removeGrants(hub, [grant], opts);
  return grant;
}

/** Revokes every grant `user` holds on `image` (the CLI's `hub app revoke`); returns them. */
export async function revokeGrant(
  hub: Core,
  user: string,
  image: string,
  opts: Actor = {},
): Promise<GrantView[]> {
  const grants = await listGrants(hub, { user, image: checkImage(image) });
  if (grants.length === 0) {
    throw new NotFound(`user "${clip(user, 64)}" has no grant on ${normalizeImageRef(image)}`);
  }
  await removeGrants(hub, grants, opts);
  return grants;
}

export type { GrantFilter } from './grant-repository';

/** Grants as the admin API and CLI show them, by image then user (see findGrants). */
export async function listGrants(hub: Core, filter: GrantFilter = {}): Promise<GrantView[]> {
  return (await findGrants(hub.db, filter)).map((g) => ({
    mapping_id: g.mappingId,
    user: g.user,
    image: g.image,
    application_id: g.applicationId,
    policy: g.policy,
    created_at: sqlDate(g.grantedAt),
  }));
}

/**
 * One grant of one user, for the spawner: null when the mapping_id does not exist or belongs to
 * someone else, so a caller cannot tell the two apart.
 */
export async function grantForUser(
  hub: Core,
  userId: number,
  mappingId: string,
): Promise<GrantView | null> {
  if (!/^[0-9a-f]{32}$/.test(mappingId)) return null;
  const [grant] = await listGrants(hub, { user_id: userId, mapping_id: mappingId });
  return grant ?? null;
}
