import { In, MoreThanOrEqual, type DataSource } from 'typeorm';
import { AuditEventEntity } from '../db/entities';

/**
 * What warm starts read from the past: which grant a user usually starts, and which warm
 * containers were claimed. The audit log already records every start (`container.start`, with
 * the grant in its details and the url_id as target), so no table of its own is needed and the
 * history survives restarts like the rest of the audit trail.
 */
export interface LaunchHistory {
  /**
   * The grant `user` started most often since `since`, when that is at least `minLaunches`
   * times; null otherwise. Ties go to the most recent start.
   */
  favourite(user: string, since: Date, minLaunches: number): Promise<string | null>;
  /** Which of these url_ids were handed to their user by a start (claimed). */
  claimed(urlIds: string[]): Promise<Set<string>>;
}

/** Launch history from the audit table. */
export class AuditLaunchHistory implements LaunchHistory {
  constructor(private readonly db: DataSource) {}

  async favourite(user: string, since: Date, minLaunches: number): Promise<string | null> {
    const rows = await this.db.getRepository(AuditEventEntity).find({
      select: { details: true },
      where: { action: 'container.start', actor: user, at: MoreThanOrEqual(since) },
      order: { id: 'ASC' },
    });
    const counts = new Map<string, number>();
    for (const row of rows) {
      const id = mappingIdOf(row.details);
      if (!id) continue;
      // Deleting and re-adding keeps the Map in order of last start, for the tie-break below.
      const n = (counts.get(id) ?? 0) + 1;
      counts.delete(id);
      counts.set(id, n);
    }
    let best: string | null = null;
    let most = 0;
    for (const [id, n] of counts) {
      if (n >= most) {
        best = id;
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

function mappingIdOf(details: string | null): string | null {
  if (!details) return null;
  try {
    const id = (JSON.parse(details) as { mapping_id?: unknown }).mapping_id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}
