import Router from '@koa/router';
import { requireAdmin } from '../auth/guards';
import { AuditEventEntity } from '../db/entities';
import type { Hub } from '../hub';
import { AuditQuery, type AuditEvent } from './wire';

/** The audit log, newest first, filtered by actor and action (prefix, e.g. "user."). */
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
    if (q.before) qb.andWhere('e.id < :before', { before: q.before });
    const rows = await qb.getMany();
    ctx.body = rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      target: r.target,
      address: r.address,
      details: r.details ? JSON.parse(r.details) : null,
    })) satisfies AuditEvent[];
  });
  return router;
}
