import { In, MoreThanOrEqual, type DataSource } from 'typeorm';
import { AuditEventEntity } from '../db/entities';
import { repeatableConfigurables, type RepeatableConfigurables } from './warm-configurables';

/** The grant a user is expected to start next, with the configurables of its latest start. */
export interface Prediction {
  mappingId: string;
  configurables: RepeatableConfigurables | undefined;
}

/**
 * What warm starts read from the past: which grant a user usually starts, and which warm
 * containers were claimed. The audit log already records every start (`container.start`, with
 * the grant in its details and the url_id as target), so no table of its own is needed and the
 * history survives restarts like the rest of the audit trail.
 */
export interface LaunchHistory {
  /**
   * The grant `user` started most often since `since`, when that is at least `minLaunches`
   * times, with the configurables of its latest start; null otherwise. Ties go to the most
   * recent start.
   */
  favourite(user: string, since: Date, minLaunches: number): Promise<Prediction | null>;
  /** Which of these url_ids were handed to their user by a start (claimed). */
  claimed(urlIds: string[]): Promise<Set<string>>;
}

/** Launch history from the audit table. */
export class AuditLaunchHistory implements LaunchHistory {
  constructor(private readonly db: DataSource) {}

  async favourite(user: string, since: Date, minLaunches: number): Promise<Prediction | null> {
    const rows = await this.db.getRepository(AuditEventEntity).find({
      select: { details: true },
      where: { action: 'container.start', actor: user, at: MoreThanOrEqual(since) },
      order: { id: 'ASC' },
    });
    const counts = new Map<string, { n: number; configurables: unknown }>();
    for (const row of rows) {
      const start = parseStart(row.details);
      if (!start) continue;
      // Deleting and re-adding keeps the Map in order of last start, for the tie-break below.
      const n = (counts.get(start.mappingId)?.n ?? 0) + 1;
      counts.delete(start.mappingId);
      counts.set(start.mappingId, { n, configurables: start.configurables });
    }
    let best: Prediction | null = null;
    let most = 0;
    for (const [mappingId, { n, configurables }] of counts) {
      if (n >= most) {
        best = { mappingId, configurables: repeatableConfigurables(configurables) };
        most = n;
      }
    }
    return most >= minLaunches ? best : null;
  }

  async claimed(urlIds: string[]): Promise<Set<string>> {
    if (!urlIds.length) return new Set();
    const rows = await this.db.getRepository(AuditEventEntity).find({
      select: { target: true },
      where: { action: 'container.start', target: In(urlIds) },
    });
    return new Set(rows.map((r) => r.target as string));
  }
}

function parseStart(details: string | null): { mappingId: string; configurables: unknown } | null {
  if (!details) return null;
  try {
    const d = JSON.parse(details) as { mapping_id?: unknown; configurables?: unknown };
    return typeof d.mapping_id === 'string'
      ? { mappingId: d.mapping_id, configurables: d.configurables }
      : null;
  } catch {
    return null;
  }
}
