import type { DataSource } from 'typeorm';
import { findGrants, type GrantRecord } from '../catalog/grant-repository';

/** A grant as the spawner needs it: whose it is, which image, which policy. */
export type GrantInfo = Pick<
  GrantRecord,
  'mappingId' | 'userId' | 'user' | 'fullName' | 'userDisabled' | 'image' | 'policy'
>;

/** Read access to grants (the accounting table). */
export interface GrantSource {
  get(mappingId: string): Promise<GrantInfo | null>;
  /** Every grant, for reconciling running containers against what still exists. */
  all(): Promise<GrantInfo[]>;
}

/** Grants from the database, through the one grant repository the API and the CLI use too. */
export class DbGrantSource implements GrantSource {
  constructor(private readonly db: DataSource) {}

  async get(mappingId: string): Promise<GrantInfo | null> {
    const [grant] = await findGrants(this.db, { mapping_id: mappingId });
    return grant ?? null;
  }

  all(): Promise<GrantInfo[]> {
    return findGrants(this.db);
  }
}
