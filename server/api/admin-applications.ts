import Router from '@koa/router';
import { identityOf, requireAdmin } from '../auth/guards';
import {
  listApplications,
  registerApplication,
  registeredImages,
  unregisterApplication,
} from '../catalog/grants';
import { listUnusedImages, removeUnusedImages } from '../catalog/image-cleanup';
import { catalogOf } from '../catalog/service';
import { adminImageView } from '../catalog/views';
import { NotFound, ServiceUnavailable } from '../errors';
import type { Hub } from '../hub';
import {
  RegisterApplication,
  RemoveUnusedImages,
  UnregisterQuery,
  type ApplicationUnregistered,
  type UnusedImage,
  type UnusedImagesRemoved,
  type DiscoveredImage,
  type RegisteredApplication,
  type RegisteredApplicationRow,
} from './wire';

/** Which images the catalogue offers (shared/DESIGN.md), and what the engine has to offer. */
export function adminApplicationsRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/admin/applications' });
  router.use(requireAdmin);

  router.get('/', async (ctx) => {
    const catalog = catalogOf(hub);
    const apps = await listApplications(hub);
    ctx.body = apps.map((a) => ({
      ...adminImageView(a.id, catalog.describe(a.image)),
      created_at: a.created_at,
      grants: a.grants,
    })) satisfies RegisteredApplicationRow[];
  });

  router.post('/', async (ctx) => {
    const body = RegisterApplication.parse(ctx.request.body ?? {});
    const { application, created } = await registerApplication(hub, body.image, {
      force: body.force,
      actor: identityOf(ctx).name,
      address: ctx.ip,
    });
    // Learn its current image id now, so a rebuild right after counts as an update.
    await hub.updates.notice();
    ctx.status = created ? 201 : 200;
    ctx.body = {
      ...adminImageView(application.id, catalogOf(hub).describe(application.image)),
      created_at: application.created_at.toISOString(),
    } satisfies RegisteredApplication;
  });

  /** Images on the engine that carry the label namespace, registered or not, with warnings. */
  router.get('/discovered', async (ctx) => {
    const catalog = catalogOf(hub);
    const status = catalog.status();
    if (status.engine === 'down') {
      throw new ServiceUnavailable(
        `the Docker engine is not reachable (${status.error}); discovered images cannot be listed`,
        'docker_unavailable',
      );
    }
    const registered = await registeredImages(hub);
    ctx.body = catalog.listDiscovered().map((e) => {
      const id =
        e.repo_tags.map((t) => registered.get(t)).find((x) => x !== undefined) ??
        registered.get(e.image);
      return {
        image: e.image,
        image_id: e.image_id,
        repo_tags: e.repo_tags,
        registered: id !== undefined,
        application_id: id ?? null,
        ui_name: e.ui_name,
        description: e.description,
        type: e.type,
        env: e.env,
        configurables: e.configurables,
        has_icon: e.icon !== null,
        warnings: e.warnings,
      } satisfies DiscoveredImage;
    });
  });

  // The dry run of the clean-up: what POST …/unused-images/remove would remove now.
  router.get('/unused-images', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = (await listUnusedImages(hub)) satisfies UnusedImage[];
  });

  router.post('/unused-images/remove', async (ctx) => {
    const body = RemoveUnusedImages.parse(ctx.request.body ?? {});
    ctx.body = (await removeUnusedImages(hub, body.image_ids, {
      actor: identityOf(ctx).name,
      address: ctx.ip,
    })) satisfies UnusedImagesRemoved;
  });

  router.delete('/:id', async (ctx) => {
    if (!/^\d{1,12}$/.test(ctx.params.id)) throw new NotFound('no such application');
    const { remove_image } = UnregisterQuery.parse(ctx.query);
    const { application, image } = await unregisterApplication(hub, Number(ctx.params.id), {
      actor: identityOf(ctx).name,
      address: ctx.ip,
      removeImage: remove_image,
    });
    if (!image) {
      ctx.status = 204;
      return;
    }
    ctx.body = {
      image: application.image,
      image_removal: image,
    } satisfies ApplicationUnregistered;
  });

  return router;
}
