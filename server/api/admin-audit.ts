import Router from '@koa/router';
import { z } from 'zod';
import { requireAdmin } from '../auth/guards';
import { AuditEventEntity } from '../db/entities';
import type { Hub } from '../hub';

const query = z.object({
  actor: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().positive().optional(),
});

/** The audit log, newest first, filtered by actor and action (prefix, e.g. "user."). */
export function adminAuditRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/admin/audit' });
  router.get('/', requireAdmin, async (ctx) => {
    const q = query.parse(ctx.query);
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
    }));
  });
  return router;
}
