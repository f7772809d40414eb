import type { AuditLog, CreateAuditLogEventInput, CreateAuditLogOptions } from '@auditkit/core';
import { monotonicFactory } from 'ulid';

// `ulid()` looks up its random source on every call (~85 µs); the factory does it once, as AuditKit's ids do.
const ulid = monotonicFactory();

/** An event flattened to the columns the hand-written baseline stores. */
export interface RawRow {
  id: string;
  organizationId: string;
  idempotencyKey: string;
  action: string;
  version: number;
  occurredAt: Date;
  receivedAt: Date;
  actorType: string;
  actorId: string;
  actorName: string | null;
  actorMetadata: string | null;
  targets: string;
  contextLocation: string;
  contextUserAgent: string | null;
  metadata: string | null;
}

/** The fastest straightforward use of one driver, against which AuditKit is measured. */
export interface RawDriver {
  insertBatch(rows: RawRow[]): Promise<void>;
  /** The same batch where every row may already exist (the baseline of replays). */
  insertBatchIgnoringDuplicates(rows: RawRow[]): Promise<void>;
  insertOne(row: RawRow): Promise<void>;
  close(): Promise<void>;
}

/** One database under benchmark. */
export interface BenchTarget {
  name: string;
  /** An audit log on a fresh, empty database (file, schema or database name). */
  freshAuditLog(
    options?: Omit<CreateAuditLogOptions, 'store'>,
  ): Promise<{ auditLog: AuditLog; location: string }>;
  /**
   * Integrity off: an audit log on a fresh database whose store writes as before the
   * commit-ordered sequence (see `unsequenced()`), on the schema as it was before
   * 0004_event_sequence (its unique (organization, position) index and NOT NULLs dropped).
   * Stores without such a switch (MongoDB) leave it out.
   */
  freshUnsequencedAuditLog?(
    options?: Omit<CreateAuditLogOptions, 'store'>,
  ): Promise<{ auditLog: AuditLog; location: string }>;
  /** The hand-written baseline on a fresh, empty table with the minimal indexes. */
  freshRawDriver(): Promise<RawDriver>;
  /** Export implementations to compare (`auditkit` plus baselines). */
  exportModes: string[];
  /** Also measure export jobs into the filesystem and S3 storages (one target is enough). */
  exportStorageModes?: boolean;
  /** Export counts are multiplied by this (a slower server gets fewer rows). */
  exportScale?: number;
  /** `verify` counts are multiplied by this; the export scale when unset. */
  verifyScale?: number;
  /** Batched-ingest counts are multiplied by this (replays on FerretDB scan the collection). */
  ingestScale?: number;
  /**
   * Under `--quick` only: the batched-ingest, export, `verify`, log stream and commit → sealed
   * counts are further multiplied by this, so a slow server keeps the quick run under 3 minutes.
   * The full run keeps the scales above. The latency and lone-call p50 counts are not scaled:
   * fewer calls would only make those goal rows noisier.
   */
  quickScale?: number;
  /** Only ingest is measured (a variant whose setting cannot change how exports read). */
  ingestOnly?: boolean;
  /**
   * The database the export benchmark loads its events into, when the target has a faster or
   * reusable one than `freshAuditLog`: `auditLog` to load through, or none when `location`
   * already holds the data `key` names (loaded by an earlier run, kept in `BENCH_DATA_DIR`).
   * Call `loaded()` once loading is done.
   */
  exportData?(key: string): Promise<{ auditLog?: AuditLog; location: string; loaded(): Promise<void> }>;
  /** Runs once the export data is loaded, before any export is measured. */
  afterExportLoad?(location: string): Promise<void>;
  dispose(): Promise<void>;
}

const UNSEQUENCED = Symbol.for('@auditkit/kysely-store: unsequenced writes, benchmarks only');

/**
 * Switches a kysely store's own writes to the write path as it was before the sequence (no head
 * lock, no chain links, no positions, one row without a transaction): the integrity-off side of
 * the integrity rows. The switch is internal to `@auditkit/kysely-store` and for this benchmark
 * only (packages/kysely-store/src/unsequenced-writes.ts).
 */
export function unsequenced<T extends object>(store: T): T {
  const off = (store as Record<symbol, unknown>)[UNSEQUENCED];
  if (typeof off !== 'function') throw new Error('this store has no unsequenced switch');
  off();
  return store;
}

export function toRawRow(organizationId: string, event: CreateAuditLogEventInput, key: string): RawRow {
  return {
    id: `audit_log_event_${ulid()}`,
    organizationId,
    idempotencyKey: key,
    action: event.action,
    version: event.version ?? 1,
    occurredAt: new Date(event.occurredAt),
    receivedAt: new Date(),
    actorType: event.actor.type,
    actorId: event.actor.id,
    actorName: event.actor.name ?? null,
    actorMetadata: event.actor.metadata ? JSON.stringify(event.actor.metadata) : null,
    targets: JSON.stringify(event.targets),
    contextLocation: event.context.location,
    contextUserAgent: event.context.userAgent ?? null,
    metadata: event.metadata ? JSON.stringify(event.metadata) : null,
  };
}

/** The baseline tables' columns, in the order {@link rawValues} lists a row's values. */
export const RAW_COLUMNS =
  'id, organization_id, idempotency_key, action, version, occurred_at, received_at, actor_type, actor_id, actor_name, actor_metadata, targets, context_location, context_user_agent, metadata';

/** A row's values in {@link RAW_COLUMNS} order, times encoded as the database stores them. */
export function rawValues(row: RawRow, time: (date: Date) => unknown): unknown[] {
  return [
    row.id,
    row.organizationId,
    row.idempotencyKey,
    row.action,
    row.version,
    time(row.occurredAt),
    time(row.receivedAt),
    row.actorType,
    row.actorId,
    row.actorName,
    row.actorMetadata,
    row.targets,
    row.contextLocation,
    row.contextUserAgent,
    row.metadata,
  ];
}
