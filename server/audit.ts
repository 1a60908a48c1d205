import type { DataSource } from 'typeorm';
import { AuditEventEntity } from './db/entities';
import { logger } from './log';

export interface AuditEvent {
  actor: string | null;
  action: string;
  target?: string | null;
  address?: string | null;
  details?: unknown;
}

const log = logger('audit');

/**
 * Who did what, to what, when, from where. Written to the database for the admin console and
 * to the log for operators. An audit write never fails the action it records.
 */
export function createAudit(db: DataSource): (e: AuditEvent) => Promise<void> {
  return async (e) => {
    log.info({ actor: e.actor, action: e.action, target: e.target, address: e.address }, e.action);
    try {
      await db.getRepository(AuditEventEntity).insert({
        at: new Date(),
        actor: e.actor,
        action: e.action,
        target: e.target ?? null,
        address: e.address ?? null,
        details: e.details === undefined ? null : JSON.stringify(e.details).slice(0, 4000),
      });
    } catch (err) {
      log.error({ err }, 'audit write failed');
    }
  };
}
