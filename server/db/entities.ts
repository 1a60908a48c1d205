import { EntitySchema } from 'typeorm';

/**
 * Rows are plain data (see STYLE.md §15): the runtime objects that own containers, sessions or
 * catalogue state live in their own parts and only read and write these shapes.
 * Dates are stored as ISO strings in SQLite through TypeORM's datetime mapping.
 */

export interface UserRow {
  id: number;
  name: string;
  /** The identity provider's name for the user when it is no valid hub name (an e-mail). */
  full_name?: string | null;
  password_hash: string | null;
  admin: boolean;
  disabled: boolean;
  created_at: Date;
  last_login_at: Date | null;
}

export interface ApplicationRow {
  id: number;
  image: string;
  created_at: Date;
}

/** What a grant allows. Resource fields left null fall back to the hub-wide spawner defaults. */
export interface PolicyRow {
  id: number;
  allow_home: boolean;
  allow_startup_data: boolean;
  /** The owner may share a running container (SimPhoNy-Remote's name). */
  allow_view: boolean;
  /** SimPhoNy-Remote's "has a common data volume": informational, the volume fields decide. */
  allow_common: boolean;
  volume_source: string | null;
  volume_target: string | null;
  volume_mode: 'ro' | 'rw' | null;
  app_license: string | null;
  memory_limit: string | null;
  cpu_limit: number | null;
  pids_limit: number | null;
  /** The admin's name for this grant, shown to its user; null for none. */
  label: string | null;
}

/** A grant: user × application × policy. Its id is the mapping_id of shared/DESIGN.md. */
export interface AccountingRow {
  id: string;
  user_id: number;
  application_id: number;
  policy_id: number;
  created_at: Date;
  user?: UserRow;
  application?: ApplicationRow;
  policy?: PolicyRow;
}

export interface ApiTokenRow {
  id: number;
  user_id: number;
  token_hash: string;
  note: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  user?: UserRow;
}

/** Server-side login sessions; the cookie holds a random id, the table only its hash. */
export interface SessionRow {
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: Date;
  expires_at: Date;
  last_seen_at: Date;
  address: string | null;
  user_agent: string | null;
  user?: UserRow;
}

export interface AuditEventRow {
  id: number;
  at: Date;
  actor: string | null;
  action: string;
  target: string | null;
  address: string | null;
  details: string | null;
}

/**
 * A share link of a running container (shared/DESIGN.md "Shares"). It names the container by
 * url_id, so it ends with that container; revoking keeps the row for the audit trail.
 */
export interface ShareRow {
  /** Random, unguessable: the link is `/share/<id>`. */
  id: string;
  url_id: string;
  owner_id: number;
  /** The one user who may use it; null: any hub user (or anyone, with shares.anonymous). */
  user_id: number | null;
  mode: 'view' | 'control';
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export const UserEntity = new EntitySchema<UserRow>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    name: { type: String, unique: true },
    full_name: { type: String, nullable: true },
    password_hash: { type: String, nullable: true },
    admin: { type: Boolean, default: false },
    disabled: { type: Boolean, default: false },
    created_at: { type: 'datetime' },
    last_login_at: { type: 'datetime', nullable: true },
  },
});

export const ApplicationEntity = new EntitySchema<ApplicationRow>({
  name: 'Application',
  tableName: 'applications',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    image: { type: String, unique: true },
    created_at: { type: 'datetime' },
  },
});

export const PolicyEntity = new EntitySchema<PolicyRow>({
  name: 'Policy',
  tableName: 'policies',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    allow_home: { type: Boolean, default: false },
    allow_startup_data: { type: Boolean, default: false },
    allow_view: { type: Boolean, default: false },
    allow_common: { type: Boolean, default: false },
    volume_source: { type: String, nullable: true },
    volume_target: { type: String, nullable: true },
    volume_mode: { type: String, nullable: true },
    app_license: { type: String, nullable: true },
    memory_limit: { type: String, nullable: true },
    cpu_limit: { type: 'real', nullable: true },
    pids_limit: { type: Number, nullable: true },
    label: { type: String, nullable: true },
  },
});

export const AccountingEntity = new EntitySchema<AccountingRow>({
  name: 'Accounting',
  tableName: 'accounting',
  columns: {
    id: { type: String, primary: true },
    user_id: { type: Number },
    application_id: { type: Number },
    policy_id: { type: Number },
    created_at: { type: 'datetime' },
  },
  relations: {
    user: {
      type: 'many-to-one',
      target: 'User',
      joinColumn: { name: 'user_id' },
      onDelete: 'CASCADE',
    },
    application: {
      type: 'many-to-one',
      target: 'Application',
      joinColumn: { name: 'application_id' },
      onDelete: 'CASCADE',
    },
    policy: { type: 'many-to-one', target: 'Policy', joinColumn: { name: 'policy_id' } },
  },
});

export const ApiTokenEntity = new EntitySchema<ApiTokenRow>({
  name: 'ApiToken',
  tableName: 'api_tokens',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    user_id: { type: Number },
    token_hash: { type: String, unique: true },
    note: { type: String, nullable: true },
    created_at: { type: 'datetime' },
    expires_at: { type: 'datetime', nullable: true },
    last_used_at: { type: 'datetime', nullable: true },
    revoked_at: { type: 'datetime', nullable: true },
  },
  relations: {
    user: {
      type: 'many-to-one',
      target: 'User',
      joinColumn: { name: 'user_id' },
      onDelete: 'CASCADE',
    },
  },
});

export const SessionEntity = new EntitySchema<SessionRow>({
  name: 'Session',
  tableName: 'sessions',
  columns: {
    id_hash: { type: String, primary: true },
    user_id: { type: Number },
    csrf_token: { type: String },
    created_at: { type: 'datetime' },
    expires_at: { type: 'datetime' },
    last_seen_at: { type: 'datetime' },
    address: { type: String, nullable: true },
    user_agent: { type: String, nullable: true },
  },
  relations: {
    user: {
      type: 'many-to-one',
      target: 'User',
      joinColumn: { name: 'user_id' },
      onDelete: 'CASCADE',
    },
  },
});

export const AuditEventEntity = new EntitySchema<AuditEventRow>({
  name: 'AuditEvent',
  tableName: 'audit_events',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    at: { type: 'datetime' },
    actor: { type: String, nullable: true },
    action: { type: String },
    target: { type: String, nullable: true },
    address: { type: String, nullable: true },
    details: { type: String, nullable: true },
  },
});

export const ShareEntity = new EntitySchema<ShareRow>({
  name: 'Share',
  tableName: 'shares',
  columns: {
    id: { type: String, primary: true },
    url_id: { type: String },
    owner_id: { type: Number },
    user_id: { type: Number, nullable: true },
    mode: { type: String },
    created_at: { type: 'datetime' },
    expires_at: { type: 'datetime', nullable: true },
    revoked_at: { type: 'datetime', nullable: true },
  },
});

export const ALL_ENTITIES = [
  UserEntity,
  ApplicationEntity,
  PolicyEntity,
  AccountingEntity,
  ApiTokenEntity,
  SessionEntity,
  AuditEventEntity,
  ShareEntity,
];
