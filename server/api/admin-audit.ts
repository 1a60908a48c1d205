import Router from '@koa/router';
import { requireAdmin } from '../auth/guards';
import { AuditEventEntity } from '../db/entities';
import type { Hub } from '../hub';
import { AuditQuery, type AuditEvent } from './wire';

const URL_ID = /^[0-9a-f]{32,}$/;

/**
 * The audit log, newest first, filtered by actor, action (prefix, e.g. "user."), target
 * (part of it) and time; paged by `before`. Each event carries the app's name when the hub can
 * tell which app its container or grant was: admins read "Jupyter", not a hex url_id.
 */
export function adminAuditRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/admin/audit' });
  router.get('/', requireAdmin, async (ctx) => {
    const q = AuditQuery.parse(ctx.query);
    const qb = hub.db
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .orderBy('e.id', 'DESC')
      .limit(q.limit);
    if (q.actor) qb.andWhere('e.actor = :actor', { actor: q.actor });
    if (q.action)
      qb.andWhere('e.action LIKE :action', { action: `${q.action.replace(/[%_]/g, '')}%` });
    if (q.target)
      qb.andWhere("e.target LIKE :target ESCAPE '\\'", {
        target: `%${q.target.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
      });
    if (q.since) qb.andWhere('e.at >= :since', { since: q.since });
    if (q.until) qb.andWhere('e.at < :until', { until: q.until });
    if (q.before) qb.andWhere('e.id < :before', { before: q.before });
    const rows = await qb.getMany();
    const events = rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      target: r.target,
      address: r.address,
      details: r.details ? (JSON.parse(r.details) as unknown) : null,
      app: null as string | null,
    }));
    const images = await imagesOfContainers(
      hub,
      events.map((e) => e.target).filter((t): t is string => !!t && URL_ID.test(t)),
    );
    for (const e of events) {
      // Grant events name their target `user:image`.
      const granted =
        e.action.startsWith('grant.') && e.target?.includes(':')
          ? e.target.slice(e.target.indexOf(':') + 1)
          : undefined;
      const image = imageOf(e.details) ?? (e.target ? images.get(e.target) : undefined) ?? granted;
      if (image) e.app = hub.catalog.get(image)?.ui_name || image;
    }
    ctx.body = events satisfies AuditEvent[];
  });
  return router;
}

function imageOf(details: unknown): string | undefined {
  const image = (details as { image?: unknown } | null)?.image;
  return typeof image === 'string' ? image : undefined;
}

/** The image each url_id was started from, as its `container.start` event recorded it. */
async function imagesOfContainers(hub: Hub, urlIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unique = [...new Set(urlIds)];
  if (!unique.length) return out;
  const rows: Array<{ target: string; details: string | null }> = await hub.db.query(
    `SELECT target, details FROM audit_events
      WHERE action = 'container.start' AND target IN (${unique.map(() => '?').join(',')})`,
    unique,
  );
  for (const r of rows) {
    const image = r.details ? imageOf(JSON.parse(r.details)) : undefined;
    if (image) out.set(r.target, image);
  }
  return out;
}
