import { ClosingGate } from './closing-gate.js';
import { AuditKitError } from './errors.js';
import type { AuditLogExportFilters, ListEventsOptions } from './event-filter.js';
import { type BatchEventInput, EventIntake } from './event-intake.js';
import type {
  AuditLogEvent,
  CreateAuditLogEventInput,
  CreateAuditLogEventRequestOptions,
  CreatedAuditLogEvent,
} from './event-model.js';
import { EventReader, type ExportEventsOptions } from './event-reads.js';
import {
  type AuditLogExport,
  type CreateExportOptions,
  type ExportFile,
  ExportJobs,
  type ExportSettings,
  type FinishedAuditLogExport,
  type OpenExportOptions,
  type WaitForExportOptions,
} from './export-jobs.js';
import { type ExportStorage, filesystemExportStorage, guardExportStorage } from './export-storage.js';
import { DEFAULT_GROUP_COMMIT, type GroupCommitOptions, type GroupCommitSettings } from './group-commit.js';
import { guardStore } from './guarded-store.js';
import type { Checkpoint } from './integrity/checkpoint.js';
import type { ExportManifest } from './integrity/export-manifest.js';
import { Integrity, type IntegrityOptions, type VerifyOptions } from './integrity/integrity.js';
import { DEFAULT_SEALER_SETTINGS, type SealerSettings, SequenceSealer } from './integrity/sealer.js';
import {
  getSequenceHead,
  type ReadSequencedEventsOptions,
  readSequencedEvents,
} from './integrity/sequence-reads.js';
import type { VerifyResult } from './integrity/verify-chain.js';
import { DEFAULT_EVENT_LIMITS, type EventLimits } from './limits.js';
import {
  DEFAULT_LOG_STREAM_SETTINGS,
  LogStreamDelivery,
  type LogStreamSettings,
} from './log-streams/delivery.js';
import {
  type CreatedLogStream,
  type CreateLogStreamInput,
  type ListLogStreamsOptions,
  type LogStream,
  LogStreams,
  type ReplayLogStreamOptions,
  type SequenceReader,
} from './log-streams/streams.js';
import {
  checkOptions,
  hasMethods,
  isNonEmptyString,
  isNonNegativeInteger,
  isObject,
  isPositiveInteger,
  type OptionsSpec,
} from './options-check.js';
import type { List, PaginationOptions } from './pagination.js';
import {
  type AuditLogRetention,
  getRetention,
  type PurgeOptions,
  type PurgeResult,
  purgeExpiredEvents,
  type SummarizeEventsOptions,
  setRetention,
  summarizeEvents,
} from './retention.js';
import type { AuditLogSchema, CreateAuditLogSchemaInput } from './schema-definition.js';
import { type AuditLogAction, type ListSchemasOptions, SchemaRegistry } from './schema-registry.js';
import type { AuditStore, EventSummary, SequencedEvent, SequenceHead } from './store.js';

/** Options of {@link createAuditLog}. */
export interface CreateAuditLogOptions<TransactionHandle = unknown> {
  /** Where events live: `memoryStore()`, `sqliteStore(…)`, `postgresStore(…)`, `mongoStore(…)`. */
  store: AuditStore<TransactionHandle>;
  /** Accept events only for actions with a configured schema. Default `true`. */
  requireSchemas?: boolean;
  /** Size limits on events and batches; see {@link EventLimits}. */
  limits?: Partial<EventLimits>;
  /**
   * Export files: directory of the default filesystem storage (default
   * `<os tmpdir>/auditkit-exports-<uid>`, which must be owned by this user and writable by no
   * one else), signed URL lifetime and liveness timings.
   */
  exports?: Partial<ExportSettings>;
  /**
   * Where export files are written and read: `filesystemExportStorage(…)` (the default, in
   * `exports.directory`) or shared storage such as `s3ExportStorage(…)` from
   * `@auditkit/s3-storage`, which every instance of the application can read.
   */
  exportStorage?: ExportStorage;
  /** Events read per store query by exports. Default: the store's `capabilities.exportPageSize`, else 1000. */
  exportPageSize?: number;
  /** The clock, for tests. Default `() => new Date()`. */
  now?: () => Date;
  /**
   * Log stream delivery from this process: `deliver: true` makes it deliver the streams whose
   * lease it wins (one process per stream at a time); `functions` and `storages` are the named
   * function and storage destinations it can reach; timings and batch size (see
   * {@link LogStreamSettings}).
   */
  logStreams?: Partial<LogStreamSettings>;
  /**
   * Group commit of concurrent single `createEvent` calls (see {@link GroupCommitOptions}):
   * calls that arrive while earlier ones are being written are written together, in one
   * `insertEvents` call of the store, each caller still getting its own event, replay flag or
   * error. On by default (`true`): a call that finds no write running is written at once. `false`
   * writes every call on its own. Calls through `withTransaction` are never grouped.
   */
  groupCommit?: boolean | GroupCommitOptions;
  /**
   * For stores that seal events after writing them (`capabilities.sealer`: MongoDB): how soon a
   * write of this process is sealed (`sealDelayMs`, default 20), how often events other processes
   * wrote are looked for (`sealIntervalMs`, default 1000), and what to do with a failed
   * background run (`onSealError`, default a process warning; the next run retries).
   */
  sequence?: Partial<SealerSettings> & { onSealError?: (error: unknown) => void };
  /**
   * Tamper evidence: the Ed25519 key checkpoints are signed with (kept outside the database),
   * its id, earlier keys' public halves, how often to sign, and where to publish each
   * checkpoint. See {@link IntegrityOptions}.
   */
  integrity?: IntegrityOptions;
}

const positiveInteger = { expected: 'a positive integer', accepts: isPositiveInteger };
const isFunction = (value: unknown) => typeof value === 'function';
const isKeyInput = (value: unknown) =>
  isNonEmptyString(value) || (typeof value === 'object' && value !== null && 'asymmetricKeyType' in value);

/** What {@link CreateAuditLogOptions} may hold, checked when `createAuditLog` is called. */
const CREATE_AUDIT_LOG_OPTIONS: OptionsSpec = {
  options: {
    store: {
      expected: 'an AuditStore such as sqliteStore(…) or memoryStore() (an object with open() and close())',
      accepts: hasMethods('open', 'close'),
    },
    requireSchemas: { expected: 'a boolean', accepts: (value) => typeof value === 'boolean' },
    limits: {
      expected: 'an object of event limits',
      accepts: isObject,
      fields: {
        options: {
          maxFieldLength: positiveInteger,
          maxTargets: positiveInteger,
          maxBatchSize: positiveInteger,
          maxEventBytes: positiveInteger,
        },
      },
    },
    exports: {
      expected: 'an object of export settings',
      accepts: isObject,
      fields: {
        options: {
          directory: { expected: 'a directory path', accepts: isNonEmptyString },
          signedUrlTtlSeconds: {
            expected: 'a whole number of seconds from 1 to 604800 (7 days)',
            accepts: (value) => isPositiveInteger(value) && (value as number) <= 604_800,
          },
          takeoverAfterMs: {
            expected: 'a whole number of milliseconds, at least 1000',
            accepts: (value) => isPositiveInteger(value) && (value as number) >= 1000,
          },
          expiresAfterMs: positiveInteger,
          expirySweepMs: positiveInteger,
        },
      },
    },
    exportStorage: {
      expected:
        'an ExportStorage such as filesystemExportStorage(…) or s3ExportStorage(…) (an object with write, read, stat and delete)',
      accepts: hasMethods('write', 'read', 'stat', 'delete'),
    },
    exportPageSize: positiveInteger,
    now: { expected: 'a function returning a Date', accepts: isFunction },
    logStreams: {
      expected: 'an object of log stream settings',
      accepts: isObject,
      fields: {
        options: {
          deliver: { expected: 'a boolean', accepts: (value) => typeof value === 'boolean' },
          functions: {
            expected: 'an object of functions',
            accepts: (value) => isObject(value) && Object.values(value as object).every(isFunction),
          },
          storages: {
            expected: 'an object of storages (each with write())',
            accepts: (value) => isObject(value) && Object.values(value as object).every(hasMethods('write')),
          },
          batchSize: positiveInteger,
          pollIntervalMs: positiveInteger,
          leaseTtlMs: positiveInteger,
          requestTimeoutMs: positiveInteger,
          initialBackoffMs: positiveInteger,
          maxBackoffMs: positiveInteger,
          maxRetryAfterMs: positiveInteger,
          onError: { expected: 'a function', accepts: isFunction },
        },
      },
    },
    groupCommit: {
      expected: 'a boolean or an object of group commit settings',
      accepts: (value) => typeof value === 'boolean' || isObject(value),
      fields: {
        options: {
          maxEvents: positiveInteger,
          maxConcurrentWrites: positiveInteger,
          windowMs: { expected: 'a whole number of milliseconds ≥ 0', accepts: isNonNegativeInteger },
        },
      },
    },
    sequence: {
      expected: 'an object of sealer settings',
      accepts: isObject,
      fields: {
        options: {
          sealDelayMs: {
            expected: 'a whole number of milliseconds, 0 or more',
            accepts: isNonNegativeInteger,
          },
          sealIntervalMs: positiveInteger,
          sealBatchSize: positiveInteger,
          onSealError: { expected: 'a function', accepts: isFunction },
        },
      },
    },
    integrity: {
      expected: 'an object of integrity settings',
      accepts: isObject,
      fields: {
        options: {
          signingKey: { expected: 'an Ed25519 private key (KeyObject or PEM)', accepts: isKeyInput },
          keyId: { expected: 'a non-empty string', accepts: isNonEmptyString },
          publicKeys: { expected: 'an object of public keys by key id', accepts: isObject },
          checkpointEvery: positiveInteger,
          checkpointIntervalMs: positiveInteger,
          publish: { expected: 'a function', accepts: isFunction },
          onError: { expected: 'a function', accepts: isFunction },
        },
        onlyWith: { signingKey: 'keyId', keyId: 'signingKey' },
      },
    },
  },
  required: ['store'],
};

/**
 * The part of an {@link AuditLog} that works inside the application's own database transaction
 * (see {@link AuditLog.withTransaction}): writes that commit or roll back with it, and reads
 * that see its uncommitted events.
 *
 * @example
 * ```ts
 * await db.transaction().execute(async (trx) => {
 *   await trx.updateTable('users').set({ role: 'admin' }).where('id', '=', userId).execute();
 *   await auditLog.withTransaction(trx).createEvent(orgId, roleChangedEvent, { idempotencyKey: requestId });
 * });
 * ```
 */
export type TransactionalAuditLog = Pick<
  AuditLog,
  'createEvent' | 'createEvents' | 'listEvents' | 'exportEvents'
>;

/**
 * An audit log bound to one store. Method names and shapes follow the WorkOS Node SDK's
 * `workos.auditLogs`, plus batch writes, reads, streamed exports and retention. Every method
 * rejects with an {@link AuditKitError} (`invalid_*`, `idempotency_conflict`, `not_found`,
 * `export_timeout` or `storage_error`), never with a bare driver error.
 *
 * @example
 * ```ts
 * const auditLog: AuditLog = await createAuditLog({ store: memoryStore() });
 * ```
 */
export interface AuditLog<TransactionHandle = unknown> {
  /**
   * Validates and stores one event, idempotently; returns the stored event. A repeated call with
   * the same `idempotencyKey` and content returns the stored event with `replayed: true`; the same
   * key with other content rejects with `idempotency_conflict`. Without a key, one is derived
   * from the content, so an exact retry is stored once.
   *
   * @example
   * ```ts
   * const event = await auditLog.createEvent('org_123', {
   *   action: 'user.signed_in',
   *   occurredAt: new Date(),
   *   actor: { type: 'user', id: 'user_1' },
   *   targets: [{ type: 'team', id: 'team_1' }],
   *   context: { location: '203.0.113.7' },
   * }, { idempotencyKey: 'signin-7f3a' });
   * ```
   */
  createEvent(
    organizationId: string,
    event: CreateAuditLogEventInput,
    options?: CreateAuditLogEventRequestOptions,
  ): Promise<CreatedAuditLogEvent>;
  /**
   * Validates a batch (at most `limits.maxBatchSize` events) as a whole and stores all of it or
   * nothing; returns the stored events in input order. An entry may carry its own key as
   * `{ event, idempotencyKey }`. Errors name the entry by `index`.
   *
   * @example
   * ```ts
   * const stored = await auditLog.createEvents('org_123', [first, { event: second, idempotencyKey: 'k2' }]);
   * ```
   */
  createEvents(organizationId: string, events: readonly BatchEventInput[]): Promise<CreatedAuditLogEvent[]>;
  /**
   * Adds a schema version for an action, unless the latest one is identical (then returns it), so
   * it can be called at every start-up.
   *
   * @example
   * ```ts
   * await auditLog.createSchema({ action: 'document.shared', targets: [{ type: 'document' }], metadata: { via: 'string' } });
   * ```
   */
  createSchema(schema: CreateAuditLogSchemaInput): Promise<AuditLogSchema>;
  /**
   * One page of an action's schema versions, newest first by default.
   *
   * @example
   * ```ts
   * const { data } = await auditLog.listSchemas({ action: 'user.signed_in', limit: 10 });
   * ```
   */
  listSchemas(options: ListSchemasOptions): Promise<List<AuditLogSchema>>;
  /**
   * One page of the actions that have a schema, each with its latest schema.
   *
   * @example
   * ```ts
   * const { data } = await auditLog.listActions({ order: 'asc', limit: 100 });
   * ```
   */
  listActions(options?: PaginationOptions): Promise<List<AuditLogAction>>;
  /**
   * Filtered, cursor-paginated reads of one organization's events, ordered by `occurredAt`.
   *
   * @example
   * ```ts
   * const page = await auditLog.listEvents({ organizationId: 'org_123', actions: ['user.signed_in'], limit: 50 });
   * const next = page.listMetadata.after && (await auditLog.listEvents({ organizationId: 'org_123', after: page.listMetadata.after }));
   * ```
   */
  listEvents(options: ListEventsOptions): Promise<List<AuditLogEvent>>;
  /**
   * Streams matching events as CSV (default) or NDJSON text chunks, oldest first, with memory
   * flat at any size.
   *
   * @example
   * ```ts
   * import { createWriteStream } from 'node:fs';
   * import { Readable } from 'node:stream';
   * import { pipeline } from 'node:stream/promises';
   *
   * const chunks = auditLog.exportEvents({ organizationId: 'org_123', rangeStart, rangeEnd }, { format: 'ndjson' });
   * await pipeline(Readable.from(chunks), createWriteStream('events.ndjson'));
   * ```
   */
  exportEvents(filters: AuditLogExportFilters, options?: ExportEventsOptions): AsyncIterable<string>;
  /**
   * Starts writing an export file in the background of this process; returns the `pending`
   * export at once. Follow it with {@link AuditLog.getExport} or {@link AuditLog.waitForExport}.
   *
   * @example
   * ```ts
   * const job = await auditLog.createExport({ organizationId: 'org_123', rangeStart, rangeEnd });
   * ```
   */
  createExport(filters: AuditLogExportFilters, options?: CreateExportOptions): Promise<AuditLogExport>;
  /**
   * The export's current state. A `pending` export whose producing process stopped reporting
   * progress is returned as `error`. Rejects with `not_found` for an unknown id.
   *
   * @example
   * ```ts
   * const current = await auditLog.getExport(job.id);
   * if (current.state === 'ready') console.log(current.path);
   * ```
   */
  getExport(id: string): Promise<AuditLogExport>;
  /**
   * Polls until the export is `ready` or `error` and returns it. When `timeoutMs` (default 60 s)
   * passes first, rejects with `AuditKitError` code `export_timeout`: the export is still
   * `pending` and may finish later (`getExport` tells).
   *
   * @example
   * ```ts
   * try {
   *   const done = await auditLog.waitForExport(job.id, { timeoutMs: 5 * 60_000 });
   *   if (done.state === 'ready') console.log(done.path);
   * } catch (error) {
   *   if (isAuditKitError(error, 'export_timeout')) console.log('still running; check again later');
   *   else throw error;
   * }
   * ```
   */
  waitForExport(id: string, options?: WaitForExportOptions): Promise<FinishedAuditLogExport>;
  /**
   * The file of a ready export, to hand to whoever downloads it: `{ kind: 'url' }` with a link
   * that works without credentials until `expiresAt` when the export storage signs links (S3),
   * else `{ kind: 'stream' }` with the file's bytes (destroy `body` to stop early). `undefined`
   * when the export is not ready or its file is no longer in the storage. Rejects with
   * `not_found` for an unknown id. Any instance sharing the store and the storage can open any
   * export.
   *
   * @example
   * ```ts
   * const file = await auditLog.openExport(job.id, { signedUrlTtlSeconds: 60 });
   * if (file?.kind === 'url') console.log('download from', file.url);
   * else if (file?.kind === 'stream') file.body.pipe(process.stdout);
   * ```
   */
  openExport(id: string, options?: OpenExportOptions): Promise<ExportFile | undefined>;
  /**
   * The organization's retention period; `{ retentionPeriodInDays: null }` (keep forever) when
   * none was set.
   *
   * @example
   * ```ts
   * const { retentionPeriodInDays } = await auditLog.getRetention('org_123');
   * ```
   */
  getRetention(organizationId: string): Promise<AuditLogRetention>;
  /**
   * Sets (or with `null` clears) the organization's retention period and returns it, in the same
   * shape `getRetention` returns. Events are deleted by {@link AuditLog.purgeExpiredEvents}.
   *
   * @example
   * ```ts
   * await auditLog.setRetention('org_123', { retentionPeriodInDays: 365 });
   * ```
   */
  setRetention(organizationId: string, retention: AuditLogRetention): Promise<AuditLogRetention>;
  /**
   * Deletes, in bounded batches, events older than their organization's retention period.
   * Organizations without a period are never touched. With `dryRun: true` it deletes nothing and
   * reports, counted by the database, how many events each organization would lose.
   *
   * @example
   * ```ts
   * const { deleted } = await auditLog.purgeExpiredEvents({ batchSize: 5_000 });
   * const { deleted: wouldGo } = await auditLog.purgeExpiredEvents({ dryRun: true });
   * ```
   */
  purgeExpiredEvents(options?: PurgeOptions): Promise<PurgeResult>;
  /**
   * Events per organization and action, with the oldest and newest `occurredAt` of each, counted
   * by the database and ordered by organization then action.
   *
   * @example
   * ```ts
   * for (const { organizationId, action, count } of await auditLog.summarizeEvents()) {
   *   console.log(organizationId, action, count);
   * }
   * ```
   */
  summarizeEvents(options?: SummarizeEventsOptions): Promise<EventSummary[]>;
  /**
   * Adds a log stream: every event of the organization, in commit order, delivered at least once
   * to the destination by a process created with `logStreams: { deliver: true }`. From the
   * events committed from now on (default), or `startAt: 'beginning'` for every stored event.
   * For a webhook without a `secret`, one is generated and returned once, as `signingSecret`.
   *
   * @example
   * ```ts
   * const stream = await auditLog.createLogStream({
   *   organizationId: 'org_123',
   *   destination: { type: 'webhook', url: 'https://siem.example.com/auditkit' },
   * });
   * saveSecret(stream.signingSecret);
   * ```
   */
  createLogStream(input: CreateLogStreamInput): Promise<CreatedLogStream>;
  /**
   * A log stream with its state and lag; rejects with `not_found` for an unknown id.
   *
   * @example
   * ```ts
   * const { state, lag, lastSyncedAt, lastError } = await auditLog.getLogStream(id);
   * ```
   */
  getLogStream(id: string): Promise<LogStream>;
  /**
   * Every log stream (of one organization), oldest first; secrets cut.
   *
   * @example
   * ```ts
   * const { data } = await auditLog.listLogStreams({ organizationId: 'org_123' });
   * ```
   */
  listLogStreams(options?: ListLogStreamsOptions): Promise<{ object: 'list'; data: LogStream[] }>;
  /**
   * Stops delivering the stream (after the batch in flight) until it is resumed; events keep
   * accumulating and are delivered then.
   *
   * @example
   * ```ts
   * await auditLog.pauseLogStream(id);
   * ```
   */
  pauseLogStream(id: string): Promise<LogStream>;
  /**
   * Delivers a `paused` or `failing` stream again, from its cursor (nothing was lost).
   *
   * @example
   * ```ts
   * await auditLog.resumeLogStream(id); // after fixing the token the destination refused
   * ```
   */
  resumeLogStream(id: string): Promise<LogStream>;
  /**
   * Deletes the stream; delivery stops. Rejects with `not_found` for an unknown id.
   *
   * @example
   * ```ts
   * await auditLog.deleteLogStream(id);
   * ```
   */
  deleteLogStream(id: string): Promise<void>;
  /**
   * Moves the stream's cursor back (or forward) so delivery continues from a position
   * (inclusive) or from the first event received at or after a time: events are delivered again.
   *
   * @example
   * ```ts
   * await auditLog.replayLogStream(id, { fromPosition: 1 });
   * ```
   */
  replayLogStream(id: string, options: ReplayLogStreamOptions): Promise<LogStream>;
  /**
   * One page of an organization's sealed events in position order: positions 1, 2, 3… are
   * gapless and follow commit order (an event that commits later never appears before one
   * already read), and each carries its link of the organization's hash chain. Read on from the
   * last position you have; retention purges leave holes only where events were deleted.
   *
   * @example
   * ```ts
   * let afterPosition = 0;
   * for (;;) {
   *   const page = await auditLog.readSequencedEvents({ organizationId: 'org_123', afterPosition, limit: 500 });
   *   if (page.length === 0) break;
   *   afterPosition = page[page.length - 1].position;
   * }
   * ```
   */
  readSequencedEvents(options: ReadSequencedEventsOptions): Promise<SequencedEvent[]>;
  /**
   * The organization's last sealed position and hash; `undefined` before its first event.
   *
   * @example
   * ```ts
   * const head = await auditLog.getSequenceHead('org_123'); // { position: 1042, hash: '5d41…' }
   * ```
   */
  getSequenceHead(organizationId: string): Promise<SequenceHead | undefined>;
  /**
   * Seals now what a sealer store (MongoDB) has not sealed yet and resolves with how many events
   * it sealed; sealing also runs by itself shortly after each write (see the `sequence` option).
   * Stores that sequence events as they write them (SQL, memory) have nothing to seal: `0`.
   *
   * @example
   * ```ts
   * await auditLog.createEvent('org_123', event);
   * await auditLog.sealPendingEvents();
   * const head = await auditLog.getSequenceHead('org_123'); // includes the event
   * ```
   */
  sealPendingEvents(): Promise<number>;
  /**
   * Signs a checkpoint of the organization's chain at its head with `integrity.signingKey`,
   * stores it and hands it to `integrity.publish`; returns it (`undefined` when the organization
   * has no sealed event yet). Also done by itself every `checkpointEvery` events and
   * `checkpointIntervalMs`. Rejects with `invalid_request` without a signing key.
   *
   * @example
   * ```ts
   * await auditLog.sealPendingEvents();
   * const checkpoint = await auditLog.createCheckpoint({ organizationId: 'org_123' });
   * ```
   */
  createCheckpoint(options: { organizationId: string }): Promise<Checkpoint | undefined>;
  /**
   * Checks the organization's stored events against their hash chain, its head and every
   * checkpoint (stored, and the published copies passed in `checkpoints`), reading with flat
   * memory. Reports how many events were checked and the first problem: its position and kind
   * (`altered`, `missing`, `inserted`, `reordered`, `checkpoint_mismatch`, `bad_signature`, …).
   *
   * @example
   * ```ts
   * const published = (await readFile('checkpoints.ndjson', 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
   * const { ok, checked, problem } = await auditLog.verify({ organizationId: 'org_123', checkpoints: published });
   * if (!ok) console.error(`${problem?.kind} at position ${problem?.position}`);
   * ```
   */
  verify(options: VerifyOptions): Promise<VerifyResult>;
  /**
   * An NDJSON export of the organization's events matching `filters`, in position order, with a
   * signed manifest (every position and hash from the first to the last exported event, the
   * file's SHA-256, a checkpoint at the last position) that `verifyExport` checks offline.
   * `manifest` resolves once every line has been read. Needs `integrity.signingKey`.
   *
   * @example
   * ```ts
   * const { lines, manifest } = auditLog.verifiableExport({ organizationId: 'org_123', rangeStart, rangeEnd });
   * await pipeline(Readable.from(lines), createWriteStream('events.ndjson'));
   * await writeFile('events.manifest.json', JSON.stringify(await manifest));
   * ```
   */
  verifiableExport(filters: AuditLogExportFilters): {
    lines: AsyncIterable<string>;
    manifest: Promise<ExportManifest>;
  };
  /**
   * Refuses every later call (`AuditKitError` code `closed`), waits for the calls already running
   * and for this process's running exports to finish, then closes the store (and only what
   * AuditKit opened: a pool, client or database the application passed stays open). Calling it
   * again returns the same promise.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void auditLog.close());
   * ```
   */
  close(): Promise<void>;
  /**
   * Writes and reads through a transaction the application began on the same database, so the
   * audit event commits or rolls back together with the change it describes. `handle` is what
   * the store accepts: a kysely `Transaction`, a `pg` client inside `BEGIN` or a drizzle
   * transaction on PostgreSQL; a better-sqlite3 `Database` inside `BEGIN` or a kysely
   * `Transaction` on SQLite. AuditKit never begins, commits or rolls back that transaction; a
   * replay or an `idempotency_conflict` leaves it usable. Idempotency is unchanged: a key used
   * in a transaction that rolls back is free again, and of two transactions racing on one key
   * the second waits for the first and then sees a replay or a conflict.
   *
   * Throws `transactions_unsupported` when the store cannot join transactions (the memory
   * store; MongoDB without a replica set; FerretDB), and `invalid_request` for a handle the
   * store does not accept or that is not inside a transaction.
   *
   * @example
   * ```ts
   * const client = await pool.connect();
   * try {
   *   await client.query('BEGIN');
   *   await client.query('UPDATE users SET role = $1 WHERE id = $2', ['admin', userId]);
   *   await auditLog.withTransaction(client).createEvent(orgId, roleChangedEvent);
   *   await client.query('COMMIT');
   * } catch (error) {
   *   await client.query('ROLLBACK');
   *   throw error;
   * } finally {
   *   client.release();
   * }
   * ```
   */
  withTransaction(handle: TransactionHandle): TransactionalAuditLog;
}

/**
 * Opens an audit log on a store (running its migrations).
 *
 * @example
 * ```ts
 * import { createAuditLog } from '@auditkit/core';
 * import { sqliteStore } from '@auditkit/adapter-sqlite';
 *
 * const auditLog = await createAuditLog({ store: sqliteStore({ filename: 'audit.db' }) });
 * await auditLog.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }] });
 * await auditLog.createEvent('org_123', {
 *   action: 'user.signed_in',
 *   occurredAt: new Date(),
 *   actor: { type: 'user', id: 'user_1' },
 *   targets: [{ type: 'team', id: 'team_1' }],
 *   context: { location: '203.0.113.7' },
 * });
 * await auditLog.close();
 * ```
 */
export async function createAuditLog<TransactionHandle = unknown>(
  options: CreateAuditLogOptions<TransactionHandle>,
): Promise<AuditLog<TransactionHandle>> {
  checkOptions('createAuditLog', options, CREATE_AUDIT_LOG_OPTIONS);
  const store = guardStore(options.store);
  const now = options.now ?? (() => new Date());
  const { directory, ...exportSettings } = options.exports ?? {};
  if (directory !== undefined && options.exportStorage !== undefined) {
    throw new AuditKitError(
      'invalid_request',
      'createAuditLog: exports.directory configures the default filesystem storage; with exportStorage, give the directory to filesystemExportStorage({ directory }) instead',
      {
        errors: [
          {
            path: 'exports.directory',
            code: 'conflicting_options',
            message: 'not together with exportStorage',
          },
        ],
      },
    );
  }
  const exportStorage = guardExportStorage(
    options.exportStorage ?? filesystemExportStorage(directory === undefined ? {} : { directory }),
  );
  const { onSealError, ...sealerSettings } = options.sequence ?? {};
  const sealer = new SequenceSealer(
    store,
    { ...DEFAULT_SEALER_SETTINGS, ...sealerSettings },
    onSealError ?? ((error) => process.emitWarning(`AuditKit could not seal events: ${String(error)}`)),
  );
  const integrity = new Integrity(store, options.integrity, now, () => sealer.sealNow());
  await store.open();

  const schemas = new SchemaRegistry(store, now);
  const limits = { ...DEFAULT_EVENT_LIMITS, ...options.limits };
  const intake = new EventIntake({
    store,
    schemas,
    limits,
    requireSchemas: options.requireSchemas ?? true,
    now,
    groupCommit: groupCommitSettings(options.groupCommit, limits.maxBatchSize),
    afterWrite: () => sealer.nudge(),
  });
  const pageSize = options.exportPageSize ?? store.capabilities.exportPageSize ?? 1000;
  const reader = new EventReader(store, pageSize);
  const jobs = new ExportJobs(
    store,
    reader,
    exportStorage,
    {
      signedUrlTtlSeconds: 600,
      takeoverAfterMs: 30_000,
      expiresAfterMs: 10 * 60_000,
      expirySweepMs: 60_000,
      ...exportSettings,
    },
    now,
  );
  // Any process with the audit log open finishes exports whose producer died, and deletes
  // expired files.
  jobs.start();

  // The guarded store: every store has the commit-ordered sequence (readSequencedEvents, getSequenceHead).
  const sequence = (): SequenceReader => store;
  const streams = new LogStreams(store, sequence, now);
  const delivery = new LogStreamDelivery(
    store,
    sequence,
    { ...DEFAULT_LOG_STREAM_SETTINGS, ...options.logStreams },
    now,
  );
  if (options.logStreams?.deliver) delivery.start();

  // Every call goes through the gate, so close() can wait for what runs and refuse what comes.
  const gate = new ClosingGate();
  let closing: Promise<void> | undefined;
  sealer.start();
  integrity.start();
  const noted =
    <T>(organizationId: string, count: (value: T) => number) =>
    (value: T) => {
      integrity.noteWrite(organizationId, count(value));
      return value;
    };
  return {
    createEvent: (organizationId, event, requestOptions = {}) =>
      gate.run('createEvent', () =>
        createOne(intake, organizationId, event, requestOptions).then(
          noted(organizationId, (created) => (created.replayed ? 0 : 1)),
        ),
      ),
    createEvents: (organizationId, events) =>
      gate.run('createEvents', () =>
        intake
          .create(organizationId, events, false)
          .then(noted(organizationId, (created) => created.filter((one) => !one.replayed).length)),
      ),
    createSchema: (schema) => gate.run('createSchema', () => schemas.create(schema)),
    listSchemas: (listOptions) => gate.run('listSchemas', () => schemas.list(listOptions)),
    listActions: (listOptions) => gate.run('listActions', () => schemas.listActions(listOptions)),
    listEvents: (listOptions) => gate.run('listEvents', () => reader.list(listOptions)),
    exportEvents(filters, exportOptions) {
      gate.assertOpen('exportEvents');
      return gate.stream('exportEvents', reader.export(filters, exportOptions));
    },
    createExport: (filters, exportOptions) =>
      gate.run('createExport', () => jobs.create(filters, exportOptions)),
    getExport: (id) => gate.run('getExport', () => jobs.get(id)),
    // Gated per poll, not as a whole: a wait for another process's export must not hold up
    // close() for its whole timeout; its next poll after close() fails with `closed`.
    waitForExport: (id, waitOptions) =>
      jobs.wait(id, waitOptions, (exportId) => gate.run('waitForExport', () => jobs.get(exportId))),
    openExport: (id, openOptions) => gate.run('openExport', () => jobs.open(id, openOptions)),
    getRetention: (organizationId) => gate.run('getRetention', () => getRetention(store, organizationId)),
    setRetention: (organizationId, retention) =>
      gate.run('setRetention', () => setRetention(store, organizationId, retention)),
    purgeExpiredEvents: (purgeOptions) =>
      gate.run('purgeExpiredEvents', () => purgeExpiredEvents(store, purgeOptions, integrity)),
    summarizeEvents: (summaryOptions) =>
      gate.run('summarizeEvents', () => summarizeEvents(store, summaryOptions)),
    createLogStream: (input) => gate.run('createLogStream', () => streams.create(input)),
    getLogStream: (id) => gate.run('getLogStream', () => streams.get(id)),
    listLogStreams: (listOptions) => gate.run('listLogStreams', () => streams.list(listOptions)),
    pauseLogStream: (id) => gate.run('pauseLogStream', () => streams.pause(id)),
    resumeLogStream: (id) => gate.run('resumeLogStream', () => streams.resume(id)),
    deleteLogStream: (id) => gate.run('deleteLogStream', () => streams.delete(id)),
    replayLogStream: (id, replayOptions) =>
      gate.run('replayLogStream', () => streams.replay(id, replayOptions)),
    readSequencedEvents: (readOptions) =>
      gate.run('readSequencedEvents', () => readSequencedEvents(store, readOptions)),
    getSequenceHead: (organizationId) =>
      gate.run('getSequenceHead', () => getSequenceHead(store, organizationId)),
    sealPendingEvents: () => gate.run('sealPendingEvents', () => sealer.sealNow()),
    createCheckpoint: (checkpointOptions) =>
      gate.run('createCheckpoint', () =>
        integrity.createCheckpoint(checkpointOptions?.organizationId, 'manual'),
      ),
    verify: (verifyOptions) => gate.run('verify', () => integrity.verify(verifyOptions)),
    verifiableExport(filters) {
      gate.assertOpen('verifiableExport');
      const { lines, manifest } = integrity.verifiableExport(filters);
      return { lines: gate.stream('verifiableExport', lines), manifest };
    },
    close() {
      closing ??= (async () => {
        // In this order: a createExport admitted before close() registers its job before the
        // jobs are awaited, and the store closes only when nothing uses it any more.
        await delivery.close();
        await gate.close();
        jobs.stop();
        await jobs.settle();
        await sealer.close();
        await integrity.close();
        await store.close();
      })();
      return closing;
    },
    withTransaction(handle) {
      gate.assertOpen('withTransaction');
      // A store that has the method but not the capability (on this server) refuses with its reason.
      const { withTransaction } = options.store;
      if (!withTransaction) {
        throw new AuditKitError(
          'transactions_unsupported',
          `The ${store.name} store cannot write inside the application's transaction. Nothing was written; call createEvent outside the transaction (after it commits) instead.`,
        );
      }
      const bound = guardStore(withTransaction.call(options.store, handle));
      const boundIntake = intake.withStore(bound, schemas.withStore(bound));
      const boundReader = new EventReader(bound, pageSize);
      // Through the same gate: close() waits for these calls too, and refuses them afterwards.
      return {
        createEvent: (organizationId, event, requestOptions = {}) =>
          gate.run('createEvent', () => createOne(boundIntake, organizationId, event, requestOptions)),
        createEvents: (organizationId, events) =>
          gate.run('createEvents', () => boundIntake.create(organizationId, events, false)),
        listEvents: (listOptions) => gate.run('listEvents', () => boundReader.list(listOptions)),
        exportEvents(filters, exportOptions) {
          gate.assertOpen('exportEvents');
          return gate.stream('exportEvents', boundReader.export(filters, exportOptions));
        },
      };
    },
  };
}

/** The settings of `createAuditLog({ groupCommit })`, or `undefined` when it is off. */
function groupCommitSettings(
  option: boolean | GroupCommitOptions | undefined,
  maxBatchSize: number,
): GroupCommitSettings | undefined {
  if (option === false) return undefined;
  const given = option === true || option === undefined ? {} : option;
  const settings = { ...DEFAULT_GROUP_COMMIT, ...withoutUndefinedFields(given) };
  // A group is one insertEvents call, as a batch is: never larger than a batch may be.
  return { ...settings, maxEvents: Math.min(settings.maxEvents, maxBatchSize) };
}

function withoutUndefinedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

async function createOne(
  intake: EventIntake,
  organizationId: string,
  event: CreateAuditLogEventInput,
  requestOptions: CreateAuditLogEventRequestOptions,
): Promise<CreatedAuditLogEvent> {
  const item =
    requestOptions.idempotencyKey === undefined
      ? event
      : { event, idempotencyKey: requestOptions.idempotencyKey };
  const [created] = await intake.create(organizationId, [item], true);
  if (!created) throw new Error('unreachable: one event in, one event out');
  return created;
}
