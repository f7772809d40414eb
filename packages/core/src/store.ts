import type { AuditLogEvent } from './event-model.js';
import type { Checkpoint } from './integrity/checkpoint.js';
import type { AuditLogRetention } from './retention.js';
import type { AuditLogSchema } from './schema-definition.js';

/**
 * The storage contract. AuditKit's policy (validation, schema versioning, idempotency rules,
 * CSV, retention periods) lives in core; a store only translates these calls to its database.
 *
 * Every method MUST either do all of what it describes or none of it, and MUST reject with an
 * `AuditKitError` of code `storage_error` (the driver's error as `cause`) when the database
 * fails: a store never turns a failure into `undefined`, an empty list or a zero count.
 * Uniqueness (event idempotency keys, schema versions, export ids) MUST be enforced by the
 * database itself — a unique index or constraint — never by reading before writing, so that
 * the guarantees hold across connections and processes.
 *
 * Times are `Date`s with millisecond precision; a store MUST return them as it was given them.
 *
 * Joining the caller's own database transaction is the optional `withTransaction(handle)`,
 * returning a store bound to it.
 *
 * Every stored event of an organization gets a position (1, 2, 3…: gapless, in the order events
 * became visible, never changed) and a link of core's hash chain ({@link SequenceChain}). A
 * store with transactions assigns both inside the write (`insertEvents`); a store without them
 * reports `capabilities.sealer` and assigns them afterwards in `sealEvents`, which core runs.
 *
 * @example
 * ```ts
 * import { createAuditLog, type AuditStore } from '@auditkit/core';
 *
 * function myStore(): AuditStore {
 *   return { name: 'my-store', capabilities: { persistent: true }, open, close, insertEvents, … };
 * }
 * const auditLog = await createAuditLog({ store: myStore() });
 * ```
 */
export interface AuditStore<TransactionHandle = unknown> {
  /** A short name for messages, e.g. `sqlite`. */
  readonly name: string;
  readonly capabilities: AuditStoreCapabilities;

  /**
   * Prepares the database (migrations, indexes). MUST be idempotent and safe when several
   * processes call it at once against the same database.
   */
  open(): Promise<void>;

  /** Releases what the store created. MUST NOT close a client/pool/database the application passed in. */
  close(): Promise<void>;

  /**
   * Stores new events, all or nothing, leaving replay-versus-conflict to core.
   *
   * Each row's `(organizationId, idempotencyKey)` is unique within the call. The store inserts
   * every row whose pair is free — the database's unique constraint decides, never a read before
   * the write — and reports one {@link EventWriteFact} per row, in row order: inserted, or the
   * fingerprint and event already stored under that pair. It hands the facts to `decide` (core's
   * `decideIdempotentOutcome`) before its writes become final, and returns what `decide`
   * returned: on `stored` it keeps the rows it inserted; on `conflict` it MUST leave no row of
   * this call stored (roll back its transaction, or delete what it wrote).
   *
   * `decide` is pure, and never answers `conflict` for a call whose rows were all inserted: a
   * single-row insert needs no transaction. A store that starts over after a race (one without
   * transactions) may call `decide` again with the new facts; what it acts on is what it returns.
   * Concurrent calls with the same pair MUST end with exactly one stored event, every caller
   * seeing it (or a conflict).
   *
   * Sequencing (unless `capabilities.sealer`): within the same transaction, the store locks the
   * head of each organization it inserts for (in ascending `organizationId` order, so that
   * batches cannot deadlock), hands the head and the rows it inserted — per organization, in row
   * order — to `chain`, and writes the returned links with the rows and the last one as the new
   * head. The head stays locked until commit, so positions follow commit order, and a write that
   * is undone (a conflict, a rolled-back caller transaction) gives its positions back.
   */
  insertEvents(
    rows: readonly EventRow[],
    decide: IdempotencyDecision,
    chain: SequenceChain,
  ): Promise<InsertEventsResult>;

  /**
   * Sealed events of one organization with `position > query.afterPosition`, ascending by
   * position, at most `query.limit`. Events not sealed yet (a sealer store) are never returned,
   * so a reader that advances its `afterPosition` never misses one that appears later.
   */
  readSequencedEvents(query: SequenceQuery): Promise<SequencedEvent[]>;

  /** The organization's last sealed position and hash; `undefined` before its first sealed event. */
  getSequenceHead(organizationId: string): Promise<SequenceHead | undefined>;

  /**
   * Present when `capabilities.sealer` is true: seals events inserted unsealed, at most `limit`
   * of them, in the store's scan order, appending them (per organization) to the chain through
   * `chain`, and advancing each organization's head by compare-and-set. Core's background runs
   * call it from one process at a time (the one holding the lease `sequence-sealer`) and repeat
   * while it returns a full `limit`; an on-demand run (`sealPendingEvents`) calls it whoever holds
   * the lease, so concurrent calls MUST stay correct (no position given twice, none skipped). A
   * call cut short (a crash) MUST leave nothing a later call cannot complete. Returns how many
   * events it sealed.
   */
  sealEvents?(chain: SequenceChain, limit: number): Promise<number>;

  /**
   * One page of events of one organization matching `query`, ordered by `(occurredAt, id)` in
   * `query.order`, strictly after `query.after` in that order. Filters MUST be evaluated by the
   * database. Rows inserted concurrently MUST NOT make a page repeat or skip an event that
   * existed before the query.
   */
  findEvents(query: EventPageQuery): Promise<AuditLogEvent[]>;

  /**
   * Optional: every event of one organization matching `filter`, ascending by `(occurredAt, id)`,
   * read through one server-side cursor and yielded in non-empty pages of at most `pageSize`. Exports use
   * it when present, instead of one `findEvents` query per page — for a database that answers
   * each query by scanning (FerretDB 1.x), one cursor makes an export linear instead of quadratic.
   * It MUST yield every event that existed when it was called exactly once (events written
   * meanwhile may or may not appear), MUST hold no more than about a page in memory, and MUST
   * release the cursor when the consumer stops early.
   */
  streamEvents?(filter: EventFilter, pageSize: number): AsyncIterable<AuditLogEvent[]>;

  /**
   * Optional capability: the export cells ({@link EXPORT_CELLS}) of every event of one
   * organization matching `filter`, ascending by `(occurredAt, id)`, as flat pages of
   * `EXPORT_CELLS.length` cells per event. CSV exports use it when present instead of decoding
   * whole events: the store reports the stored columns' text and core turns it into CSV (quoting,
   * formula neutralisation, JSON and time formats), so a store that can stream columns cheaply
   * (Postgres `COPY … TO STDOUT`) skips building event objects. The same guarantees as
   * {@link streamEvents}: every event that existed when it was called exactly once, about a page
   * in memory at a time, the cursor released when the consumer stops early.
   */
  streamExportCells?(filter: EventFilter): AsyncIterable<readonly (string | null)[]>;

  /**
   * Deletes at most `limit` events of `organizationId` with `occurredAt < before`; returns how
   * many it deleted. Events of other organizations MUST NOT be touched.
   */
  deleteEventsBefore(organizationId: string, before: Date, limit: number): Promise<number>;

  /**
   * Counts stored events per `(organizationId, action)`, with the oldest and newest `occurredAt`
   * of each group, in any order (core sorts them). Only events of `query.organizationId`
   * (when given) with `occurredAt < query.before` (when given) are counted. The database MUST do
   * the counting (one grouped query): a purge dry run and operators' statistics rely on it.
   */
  summarizeEvents(query: EventSummaryQuery): Promise<EventSummary[]>;

  /** Stores a schema version; `false` (and nothing written) when `(action, version)` already exists. */
  insertSchema(schema: AuditLogSchema): Promise<boolean>;

  /** The given version of an action's schema, or its latest version when `version` is omitted. */
  getSchema(action: string, version?: number): Promise<AuditLogSchema | undefined>;

  /** One page of an action's schema versions, ordered by version. */
  listSchemas(query: SchemaPageQuery): Promise<AuditLogSchema[]>;

  /** One page of actions (the latest schema of each, with the first version's `createdAt`), ordered by action. */
  listActions(query: ActionPageQuery): Promise<ActionRecord[]>;

  /** Stores a new export record; rejects when the id exists. */
  insertExport(record: ExportRecord): Promise<void>;
  /** Replaces the export record with the same id. */
  updateExport(record: ExportRecord): Promise<void>;
  /**
   * Fencing for export producers: replaces the export record with the same id only when the
   * stored record is in state `expected.state` and, when `expected.leaseToken` is given, holds
   * exactly that `leaseToken`. Resolves whether it replaced it. One conditional update in the
   * database (`UPDATE … WHERE`, a filtered `replaceOne`), never a read followed by a write.
   */
  updateExportIf(record: ExportRecord, expected: ExportExpectation): Promise<boolean>;
  /**
   * Records that the holder of lease token `token` now produces the pending export `id`: sets
   * its `leaseToken` to `token` and its `updatedAt`, when the stored record is `pending` and has
   * no `leaseToken` or a smaller one. Resolves with the record as now stored, or `undefined` when
   * nothing changed (not pending, a claim with this token or a larger one exists, or no such
   * export). One conditional update, like {@link AuditStore.updateExportIf}.
   */
  claimExport(id: string, token: number, updatedAt: Date): Promise<ExportRecord | undefined>;
  /**
   * One page of export records in `query.state`, ascending by id, strictly after
   * `query.afterId`, and — when `query.expiresBefore` is given — only those with an `expiresAt`
   * before it. Producers find abandoned pending exports, and the expiry sweep finds expired
   * files, with it; the database filters (an index on state and expiry serves it).
   */
  listExports(query: ExportPageQuery): Promise<ExportRecord[]>;
  /** The export record with this id; `undefined` only when none exists (a failure rejects). */
  getExport(id: string): Promise<ExportRecord | undefined>;

  /**
   * Grants the lease `request.name` to `request.holder` for `request.ttlMs` milliseconds, when
   * nobody holds it, its lease has expired (or was released), or `holder` already holds it (then
   * it renews: a new `expiresAt`, the same `token`). `undefined` when someone else holds it.
   *
   * The grant MUST be one atomic step in the database (a conditional update or an upsert with a
   * condition, the name unique by a constraint or `_id`), never a read followed by a write: of
   * several processes asking at once, exactly one is granted. Expiry is judged by the
   * **database's clock** (SQL `statement_timestamp()`/`julianday('now')`, MongoDB's server time),
   * never the caller's, so processes on machines whose clocks disagree see one truth; `expiresAt`
   * is that clock's time plus `ttlMs`.
   *
   * `token` is a fencing token: it grows every time the lease starts anew (another holder, or the
   * same holder after it expired or was released) and never decreases, so work done under an
   * older grant can be refused by comparing tokens. A lease is never deleted (that would restart
   * its token).
   */
  acquireLease(request: LeaseRequest): Promise<LeaseGrant | undefined>;

  /**
   * Ends `holder`'s lease on `name` at once (it becomes free for anyone), keeping its token. Does
   * nothing when `holder` does not hold it (another holder's lease is never touched).
   */
  releaseLease(name: string, holder: string): Promise<void>;

  /**
   * Stores a new log stream; rejects when its id exists (a unique constraint or `_id`, never a
   * read first).
   */
  insertLogStream(record: LogStreamRecord): Promise<void>;
  /** The log stream with this id; `undefined` only when none exists (a failure rejects). */
  getLogStream(id: string): Promise<LogStreamRecord | undefined>;
  /**
   * Every log stream (of `query.organizationId` when given), ordered by `(createdAt, id)`.
   * Streams are configuration — a handful per organization — so the list is not paged.
   */
  listLogStreams(query: LogStreamQuery): Promise<LogStreamRecord[]>;
  /**
   * Applies `change` to the stream `id` only when every condition of `when` holds, in one atomic
   * step of the database (a conditional `UPDATE … WHERE`, `updateOne` with a filter), never a
   * read followed by a write. Resolves `true` when it changed the stream, `false` when the stream
   * is gone or a condition failed: core decides what that means (a delivering process whose
   * fencing token was overtaken, a cursor moved by a replay, a paused stream).
   */
  updateLogStream(id: string, change: LogStreamChange, when?: LogStreamCondition): Promise<boolean>;
  /** Deletes the stream; `false` when there was none. */
  deleteLogStream(id: string): Promise<boolean>;

  /**
   * Stores a signed checkpoint; `false` (and nothing written) when one with the same
   * `(organizationId, size, keyId)` exists — the database's unique constraint decides. The store
   * keeps every field as given (the signature covers them) and never checks the signature.
   */
  insertCheckpoint(checkpoint: Checkpoint): Promise<boolean>;

  /**
   * One page of an organization's checkpoints by `size`: ascending with sizes `> query.after`,
   * or descending with sizes `< query.after` (no bound when `after` is omitted). Equal sizes are
   * ordered by `keyId`.
   */
  listCheckpoints(query: CheckpointQuery): Promise<Checkpoint[]>;

  /**
   * Deletes at most `limit` sealed events of `organizationId` with `position <= through`, lowest
   * positions first; returns how many it deleted (retention with integrity on deletes a prefix of
   * the sequence, so verification of what remains starts at a checkpoint). Like
   * `deleteEventsBefore`, it releases the deleted events' idempotency keys.
   */
  deleteEventsThrough(organizationId: string, through: number, limit: number): Promise<number>;

  /** Sets (or with `null` removes) an organization's retention period in days. */
  setRetention(organizationId: string, retentionPeriodInDays: number | null): Promise<void>;
  /**
   * The organization's retention, in the shape `auditLog.getRetention` returns:
   * `{ retentionPeriodInDays: null }` when it keeps events forever.
   */
  getRetention(organizationId: string): Promise<AuditLogRetention>;
  /** Every organization that has a retention period. */
  listRetention(): Promise<RetentionRecord[]>;

  /**
   * Optional, present when `capabilities.transactions` is true: a store that reads and writes
   * through `handle`, a transaction the application began on the same database, so that what
   * AuditKit writes commits or rolls back with the application's own changes.
   *
   * The bound store MUST NOT begin, commit or roll back the caller's transaction (a nested
   * `BEGIN` is an error or an implicit commit on most databases). A statement that fails or is
   * undone (a replay, a conflict, a storage error) MUST leave the caller's transaction usable —
   * on SQL, each write runs inside its own savepoint. Where the database aborts the whole
   * transaction on any failed write (MongoDB), replays and conflicts MUST be found by reading in
   * the transaction before writing, so that they write nothing that can fail; the unique index
   * still decides a race, and the write conflict a concurrent writer causes aborts the caller's
   * transaction by the database's own rule (the application retries it). Calls through stores bound to the same
   * transaction MUST NOT interleave their statements. A handle the store does not accept, or
   * one that is not inside a transaction, MUST be refused with an `AuditKitError`
   * (`invalid_request`), and a database that has no transactions with `transactions_unsupported`:
   * never a silent write outside the caller's transaction. Its `open` and `close` do nothing.
   */
  withTransaction?(handle: TransactionHandle): AuditStore;
}

/** What a store can do beyond the contract, so the conformance suite runs what applies. */
export interface AuditStoreCapabilities {
  /** Data outlives the store object and is shared by every process that opens the same database. */
  persistent: boolean;
  /**
   * Events per `findEvents` page that streamed exports ask for, unless the application sets
   * `exportPageSize`. Default 1000, which amortises a network round trip; an in-process database
   * pays nothing per query and does better with small pages (each read blocks the event loop
   * for less time, and fewer decoded events are alive at once for the garbage collector).
   */
  exportPageSize?: number;
  /**
   * The store can join the application's own database transaction (`withTransaction`). A store
   * that learns this from its server (MongoDB needs a replica set) reports it once open.
   */
  transactions?: boolean;
  /**
   * The store implements `streamExportCells` (CSV exports read column text instead of decoded
   * events). The conformance suite checks the method is there exactly when this says so.
   */
  exportCells?: boolean;
  /**
   * Events are inserted unsealed and get their position and hash later, from `sealEvents`, which
   * core runs shortly after each write and in the background (a database without transactions).
   */
  sealer?: boolean;
}

/**
 * An organization's last sealed position and the hash of the event there.
 *
 * @example
 * ```ts
 * const head: SequenceHead = { position: 42, hash: '9f86d0…' };
 * ```
 */
export interface SequenceHead {
  position: number;
  hash: string;
}

/**
 * Which sealed events {@link AuditStore.readSequencedEvents} returns.
 *
 * @example
 * ```ts
 * const query: SequenceQuery = { organizationId: 'org_1', afterPosition: 0, limit: 100 };
 * ```
 */
export interface SequenceQuery {
  organizationId: string;
  /** Only positions greater than this; `0` from the start. */
  afterPosition: number;
  limit: number;
}

/**
 * A sealed event: its position in its organization's sequence and its link of the hash chain.
 *
 * @example
 * ```ts
 * const [first] = await store.readSequencedEvents({ organizationId: 'org_1', afterPosition: 0, limit: 1 });
 * // first.position === 1, first.previousHash === GENESIS_HASH
 * ```
 */
export interface SequencedEvent {
  position: number;
  hash: string;
  previousHash: string;
  /** The key the event is stored under, which the hash covers. */
  idempotencyKey: string;
  event: AuditLogEvent;
}

/**
 * An event as the hash chain takes it: the stored event and the key it is stored under.
 *
 * @example
 * ```ts
 * const input: ChainedEvent = { event: row, idempotencyKey: row.idempotencyKey };
 * ```
 */
export interface ChainedEvent {
  event: AuditLogEvent;
  idempotencyKey: string;
}

/**
 * One link of the chain: where an event sits and the hashes that tie it to its predecessor.
 *
 * @example
 * ```ts
 * const link: ChainLink = { position: 1, hash: '9f86d0…', previousHash: GENESIS_HASH };
 * ```
 */
export interface ChainLink {
  position: number;
  hash: string;
  previousHash: string;
}

/**
 * Core's hash chain (`chainEvents`), which a store calls with an organization's head and the
 * events it appends (one organization per call, in order), and whose links it writes as given.
 *
 * @example
 * ```ts
 * const links = chain(await lockedHead(organizationId), inserted.map((row) => ({ event: row, idempotencyKey: row.idempotencyKey })));
 * ```
 */
export type SequenceChain = (head: SequenceHead | undefined, events: readonly ChainedEvent[]) => ChainLink[];

/** An event ready to store: identity assigned by core. */
export interface EventRow extends AuditLogEvent {
  /** The caller's key, or the content-derived one. */
  idempotencyKey: string;
  /** Content hash used to tell a replay from a conflict. */
  fingerprint: string;
}

/**
 * What a store found for one row of {@link AuditStore.insertEvents}: the row is now stored (its
 * pair was free), or another event was already stored under its `(organizationId,
 * idempotencyKey)`.
 *
 * @example
 * ```ts
 * const facts: EventWriteFact[] = [
 *   { inserted: true },
 *   { inserted: false, stored: { fingerprint: 'e3b0c4…', event: alreadyStoredEvent } },
 * ];
 * ```
 */
export type EventWriteFact = { inserted: true } | { inserted: false; stored: StoredEvent };

/**
 * The event already stored under a row's pair, and the fingerprint it was stored with.
 *
 * @example
 * ```ts
 * const stored: StoredEvent = { fingerprint: row.fingerprint, event: toEvent(row) };
 * ```
 */
export interface StoredEvent {
  fingerprint: string;
  event: AuditLogEvent;
}

/**
 * Core's verdict on the facts of one {@link AuditStore.insertEvents} call: keep the inserted
 * rows (`stored`, one entry per row, in row order), or undo the whole call (`conflict`, with the
 * indexes of the rows whose key holds other content).
 *
 * @example
 * ```ts
 * const result: InsertEventsResult = { status: 'conflict', indexes: [1] };
 * ```
 */
export type InsertEventsResult =
  | { status: 'stored'; events: { event: AuditLogEvent; replayed: boolean }[] }
  | { status: 'conflict'; indexes: number[] };

/**
 * Core's replay-versus-conflict decision for the rows of one `insertEvents` call, which a store
 * calls with its facts (see {@link AuditStore.insertEvents}).
 *
 * @example
 * ```ts
 * const outcome = decide(rows.map((row, index) => (inserted[index] ? { inserted: true } : { inserted: false, stored: found[index] })));
 * if (outcome.status === 'conflict') throw new Rollback(outcome);
 * ```
 */
export type IdempotencyDecision = (facts: readonly EventWriteFact[]) => InsertEventsResult;

/** Direction of a list: `asc` oldest (or lowest) first, `desc` newest first. */
export type SortOrder = 'asc' | 'desc';

/** Filters of reads and exports. Lists are OR within a filter, AND across filters. */
export interface EventFilter {
  organizationId: string;
  /** Inclusive lower bound on `occurredAt`. */
  rangeStart?: Date;
  /** Exclusive upper bound on `occurredAt`. */
  rangeEnd?: Date;
  actions?: string[];
  actorNames?: string[];
  actorIds?: string[];
  /** Target types: an event matches when any of its targets has one of them. */
  targets?: string[];
}

/** Which events `summarizeEvents` counts. */
export interface EventSummaryQuery {
  organizationId?: string;
  /** Exclusive upper bound on `occurredAt`. */
  before?: Date;
}

/** How many events one organization has of one action, and the time span they cover. */
export interface EventSummary {
  organizationId: string;
  action: string;
  count: number;
  /** The smallest `occurredAt` of the group. */
  oldest: Date;
  /** The largest `occurredAt` of the group. */
  newest: Date;
}

/** A position in `(occurredAt, id)` order. */
export interface EventPosition {
  occurredAt: Date;
  id: string;
}

/** One page of `findEvents`: the filter, a direction, where the previous page ended, and a size. */
export interface EventPageQuery extends EventFilter {
  order: SortOrder;
  /** Return only events strictly after this position in `order`. */
  after?: EventPosition;
  /** Most events to return. */
  limit: number;
}

/** One page of `listSchemas`: an action's versions in `order`, after `afterVersion`. */
export interface SchemaPageQuery {
  action: string;
  order: SortOrder;
  afterVersion?: number;
  limit: number;
}

/** One page of `listActions`: actions by name in `order`, after `afterAction`. */
export interface ActionPageQuery {
  order: SortOrder;
  afterAction?: string;
  limit: number;
}

/** An action as `listActions` returns it. */
export interface ActionRecord {
  /** The action's newest schema version. */
  latest: AuditLogSchema;
  /** When the action's first schema version was created. */
  createdAt: Date;
}

/**
 * An export's life: `pending` while it is written, then `ready` (file complete) or `error`; a
 * ready export becomes `expired` once its file has been deleted after its `expiresAt`.
 */
export type ExportState = 'pending' | 'ready' | 'error' | 'expired';

/** An export job as stored. */
export interface ExportRecord {
  id: string;
  state: ExportState;
  /**
   * The organization whose events the export holds, stored as a field of its own (not read back
   * out of `filters`) so that any process can tell who may read the export.
   */
  organizationId: string;
  /** The filters, as JSON text, so any process can describe the export. */
  filters: string;
  format: 'csv' | 'ndjson';
  createdAt: Date;
  updatedAt: Date;
  path?: string;
  rowCount?: number;
  errorMessage?: string;
  /**
   * The fencing token (see {@link LeaseGrant}) of the lease under which the export's current
   * production attempt runs; only that attempt may finish it ({@link AuditStore.updateExportIf}).
   */
  leaseToken?: number;
  /** Where the finished file is in the export storage (a key of the storage). */
  objectKey?: string;
  /** When the finished file expires: it is then deleted and the export reported `expired`. */
  expiresAt?: Date;
}

/**
 * What {@link AuditStore.updateExportIf} requires of the stored record.
 *
 * @example
 * ```ts
 * const finished = await store.updateExportIf(readyRecord, { state: 'pending', leaseToken: grant.token });
 * ```
 */
export interface ExportExpectation {
  state: ExportState;
  /** When given, the stored record's `leaseToken` must be exactly this. */
  leaseToken?: number;
}

/**
 * One page of {@link AuditStore.listExports}.
 *
 * @example
 * ```ts
 * const expired = await store.listExports({ state: 'ready', expiresBefore: new Date(), limit: 100 });
 * ```
 */
export interface ExportPageQuery {
  state: ExportState;
  /** Only records whose `expiresAt` is before this time (records without one are left out). */
  expiresBefore?: Date;
  /** Only records whose id sorts after this one. */
  afterId?: string;
  limit: number;
}

/**
 * What {@link AuditStore.acquireLease} is asked for: a lease name (one per resource, e.g.
 * `export:<id>`), who asks (unique per process, e.g. a random id), and how long the grant lasts.
 *
 * @example
 * ```ts
 * const request: LeaseRequest = { name: 'export:export_01H…', holder: 'a1b2c3', ttlMs: 30_000 };
 * ```
 */
export interface LeaseRequest {
  name: string;
  holder: string;
  /** Milliseconds from the database's now until the grant expires; a positive integer. */
  ttlMs: number;
}

/**
 * A lease granted by {@link AuditStore.acquireLease}.
 *
 * @example
 * ```ts
 * const grant = await store.acquireLease({ name: 'export:x', holder: 'me', ttlMs: 30_000 });
 * if (grant) console.log(`held until ${grant.expiresAt.toISOString()} with token ${grant.token}`);
 * ```
 */
export interface LeaseGrant {
  name: string;
  holder: string;
  /** When the grant ends, by the database's clock. */
  expiresAt: Date;
  /** Fencing token: grows whenever the lease starts anew (a change of holder, or after expiry or release). */
  token: number;
}

/**
 * Which checkpoints {@link AuditStore.listCheckpoints} returns.
 *
 * @example
 * ```ts
 * const latest: CheckpointQuery = { organizationId: 'org_1', order: 'desc', limit: 1 };
 * ```
 */
export interface CheckpointQuery {
  organizationId: string;
  order: SortOrder;
  /** Ascending: sizes greater than this; descending: sizes smaller than this. */
  after?: number;
  limit: number;
}

/** An organization that has a retention period, as `listRetention` returns it. */
export interface RetentionRecord {
  organizationId: string;
  /** Days events are kept after `occurredAt` (never `null`: organizations without one are not listed). */
  retentionPeriodInDays: number;
}

/**
 * The state of a log stream, as stored. `active`: delivering (or caught up); `retrying`: the
 * destination failed in a way that may pass (a network error, 5xx, 429) and delivery backs off,
 * `lastError` says why; `paused`: by the application, nothing is delivered until it resumes;
 * `failing`: the destination refused in a way a retry cannot fix (a 4xx such as 401/403/404), so
 * delivery stopped until the application resumes the stream — the cursor stays where the last
 * acknowledged batch left it, so nothing is lost.
 *
 * @example
 * ```ts
 * const state: LogStreamState = 'retrying';
 * ```
 */
export type LogStreamState = 'active' | 'retrying' | 'paused' | 'failing';

/**
 * A log stream as a store keeps it. `destination` is the destination's configuration as JSON text
 * (secrets included: core never returns it in full), `cursor` the last position of the
 * organization's sequence the destination acknowledged (0: none), `deliveryToken` the fencing
 * token of the lease under which the cursor was last claimed.
 *
 * @example
 * ```ts
 * const record: LogStreamRecord = {
 *   id: 'log_stream_01J…', organizationId: 'org_123', type: 'webhook',
 *   destination: '{"type":"webhook","url":"https://siem.example.com/hook","secret":"whsec_…"}',
 *   state: 'active', cursor: 0, deliveryToken: 0, createdAt: now, updatedAt: now,
 * };
 * ```
 */
export interface LogStreamRecord {
  id: string;
  organizationId: string;
  /** The destination's kind (`webhook`, `datadog`, `splunk`, `storage`, `function`), also inside `destination`. */
  type: string;
  /** The destination's configuration as JSON text, as core wrote it. */
  destination: string;
  state: LogStreamState;
  /** Last acknowledged position of the organization's sequence; 0 before the first delivery. */
  cursor: number;
  /** Fencing token of the lease that last claimed delivery; 0 when none did (or a replay revoked the claim). */
  deliveryToken: number;
  /** When a batch was last acknowledged. */
  lastSyncedAt?: Date;
  /** Why the last delivery attempt failed (`retrying`, `failing`); no secrets. */
  lastError?: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Which streams `listLogStreams` returns: those of one organization, or all.
 *
 * @example
 * ```ts
 * const query: LogStreamQuery = { organizationId: 'org_123' };
 * ```
 */
export interface LogStreamQuery {
  organizationId?: string;
}

/**
 * The fields `updateLogStream` sets. `lastSyncedAt`/`lastError` given as `null` are removed.
 *
 * @example
 * ```ts
 * const change: LogStreamChange = { cursor: 200, lastSyncedAt: new Date(), lastError: null, state: 'active', updatedAt: new Date() };
 * ```
 */
export interface LogStreamChange {
  state?: LogStreamState;
  cursor?: number;
  deliveryToken?: number;
  lastSyncedAt?: Date | null;
  lastError?: string | null;
  updatedAt: Date;
}

/**
 * Conditions of `updateLogStream`, all of which must hold (absent ones are not checked).
 *
 * @example
 * ```ts
 * // Advance the cursor only under our own fencing token and from where we read it.
 * const when: LogStreamCondition = { deliveryToken: 7, cursor: 100, states: ['active', 'retrying'] };
 * ```
 */
export interface LogStreamCondition {
  /** The stream's state is one of these. */
  states?: LogStreamState[];
  /** The stream's `deliveryToken` equals this. */
  deliveryToken?: number;
  /** The stream's `deliveryToken` is smaller than this (claiming delivery with a newer lease). */
  deliveryTokenBelow?: number;
  /** The stream's `cursor` equals this. */
  cursor?: number;
}
