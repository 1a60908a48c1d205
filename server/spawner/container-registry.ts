import { ContainerRecord, type RecordInit } from './container-record';
import type { RouteTable } from './route-table';

/**
 * The records of every container the hub manages, by url_id: the one place that adds and drops
 * them. Dropping a record detaches it, which removes its route.
 */
export class ContainerRegistry {
  private readonly records = new Map<string, ContainerRecord>();

  constructor(private readonly routes: RouteTable) {}

  /** Registers a new record (starting, unrouted) and returns it. */
  add(init: RecordInit): ContainerRecord {
    const rec = new ContainerRecord(init, this.routes);
    this.records.get(init.urlId)?.detach();
    this.records.set(init.urlId, rec);
    return rec;
  }

  /** Drops `rec` if it is still the record of its url_id; returns whether it was. */
  remove(rec: ContainerRecord): boolean {
    if (this.records.get(rec.urlId) !== rec) return false;
    this.records.delete(rec.urlId);
    rec.detach();
    return true;
  }

  get(urlId: string): ContainerRecord | undefined {
    return this.records.get(urlId);
  }

  /** The record of a user's grant (at most one: starts of one grant are serialised). */
  byKey(user: string, mappingId: string): ContainerRecord | undefined {
    for (const r of this.records.values())
      if (r.user === user && r.mappingId === mappingId) return r;
    return undefined;
  }

  all(): ContainerRecord[] {
    return [...this.records.values()];
  }

  /** Containers that count against the limits: all but dead ones, in total and the user's. */
  live(user: string): { mine: number; total: number } {
    let mine = 0;
    let total = 0;
    for (const r of this.records.values()) {
      if (r.status === 'dead') continue;
      total++;
      if (r.user === user) mine++;
    }
    return { mine, total };
  }
}
