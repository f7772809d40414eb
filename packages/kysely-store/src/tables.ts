/**
 * The tables every SQL adapter creates. Column types that differ per database (times, JSON) are
 * `unknown` here; the adapter's {@link SqlDialectTraits} encode and decode them.
 */
export interface AuditDatabase {
  auditkit_events: EventsTable;
  auditkit_schemas: SchemasTable;
  auditkit_exports: ExportsTable;
  auditkit_retention: RetentionTable;
  auditkit_leases: LeasesTable;
  auditkit_log_streams: LogStreamsTable;
  auditkit_sequence_heads: SequenceHeadsTable;
  auditkit_checkpoints: CheckpointsTable;
}

export interface EventsTable {
  id: string;
  organization_id: string;
  idempotency_key: string;
  fingerprint: string;
  action: string;
  version: number;
  occurred_at: unknown;
  received_at: unknown;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  actor_metadata: unknown;
  targets: unknown;
  context_location: string;
  context_user_agent: string | null;
  metadata: unknown;
  /** Added by migration 0004: the event's place in its organization's sequence (bigint on Postgres). */
  position: number | string;
  /** Added by migration 0004: the chain hash of this event, and of the event before it. */
  hash: string;
  previous_hash: string;
}

/** One row per organization that has events: its last position and hash (migration 0004). */
export interface SequenceHeadsTable {
  organization_id: string;
  position: number | string;
  hash: string;
}

export interface SchemasTable {
  action: string;
  version: number;
  /** `{ targets, actor?, metadata? }` as JSON. */
  definition: unknown;
  created_at: unknown;
}

export interface ExportsTable {
  id: string;
  state: string;
  /** Added by migration 0002; rows from before it were filled in from `filters`. */
  organization_id: string;
  format: string;
  filters: string;
  created_at: unknown;
  updated_at: unknown;
  path: string | null;
  row_count: number | null;
  error_message: string | null;
  /** Added by migration 0006 (int8 on Postgres, which pg returns as a string). */
  lease_token: number | string | null;
  object_key: string | null;
  expires_at: unknown;
}

export interface RetentionTable {
  organization_id: string;
  retention_period_in_days: number;
}

/** Added by migration 0003: one row per lease name, never deleted (its token only grows). */
export interface LeasesTable {
  name: string;
  holder: string;
  /** int8 on Postgres, which pg returns as a string. */
  token: number | string;
  expires_at: unknown;
}

/** Added by migration 0007: one row per log stream. */
export interface LogStreamsTable {
  id: string;
  organization_id: string;
  type: string;
  destination: string;
  state: string;
  /** int8 on Postgres, which pg returns as a string. */
  cursor: number | string;
  delivery_token: number | string;
  last_synced_at: unknown;
  last_error: string | null;
  created_at: unknown;
  updated_at: unknown;
}

/** Signed checkpoints (migration 0005), one row per `(organization_id, size, key_id)`. */
export interface CheckpointsTable {
  organization_id: string;
  size: number | string;
  key_id: string;
  hash: string;
  issued_at: unknown;
  reason: string;
  signature: string;
}
