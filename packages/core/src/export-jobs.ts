import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { AuditKitError, isAuditKitError } from './errors.js';
import type { AuditLogExportFilters } from './event-filter.js';
import { parseExportFilters } from './event-filter.js';
import type { EventReader } from './event-reads.js';
import type { ExportFormat } from './export-format.js';
import {
  type ExportObjectStream,
  type ExportStorage,
  exportContentType,
  exportObjectKey,
} from './export-storage.js';
import { newExportId } from './ids.js';
import { parseRequest } from './pagination.js';
import type { AuditStore, EventFilter, ExportRecord, ExportState } from './store.js';
import { isStorableText } from './text-rules.js';

/**
 * An export job (the WorkOS `AuditLogExport`), plus where its file is once ready.
 *
 * @example
 * ```ts
 * const job = await auditLog.createExport({ organizationId, rangeStart, rangeEnd });
 * const done = await auditLog.waitForExport(job.id);
 * if (done.state === 'ready') console.log(done.path);
 * ```
 */
export interface AuditLogExport {
  object: 'audit_log_export';
  id: string;
  /** The organization whose events the export holds (lets an API check who may read it). */
  organizationId: string;
  /** The file's format: `csv` or `ndjson`. */
  format: ExportFormat;
  state: ExportState;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Where to get the finished file: a `file://` URL for the filesystem storage, a presigned
   * HTTPS URL valid for `exports.signedUrlTtlSeconds` for storages that sign links (S3).
   */
  url?: string;
  /** Filesystem path of the finished file (filesystem storage only). */
  path?: string;
  /** Events in the file. */
  rowCount?: number;
  /** Why the export failed, when `state` is `error`. */
  error?: string;
  /** When the finished file expires (then it is deleted and the export is `expired`). */
  expiresAt?: Date;
}

/**
 * An export that has finished: `ready` (with `path`, `url`, `rowCount`), `error` (with `error`),
 * or `expired` (ready once, its file since deleted). What `waitForExport` resolves with.
 *
 * @example
 * ```ts
 * const done: FinishedAuditLogExport = await auditLog.waitForExport(job.id);
 * if (done.state === 'error') throw new Error(done.error);
 * ```
 */
export type FinishedAuditLogExport = AuditLogExport & { state: 'ready' | 'error' | 'expired' };

/**
 * Options of `waitForExport`.
 *
 * @example
 * ```ts
 * const options: WaitForExportOptions = { timeoutMs: 5 * 60_000, intervalMs: 500 };
 * ```
 */
export interface WaitForExportOptions {
  /** How long to wait before rejecting with `export_timeout`, in ms. Default 60000. */
  timeoutMs?: number;
  /** How often to read the export's state, in ms. Default 100. */
  intervalMs?: number;
}

/** Options of `createExport`, beyond the filters. */
export interface CreateExportOptions {
  /** Default `csv`. */
  format?: ExportFormat;
  /** Called as the file grows, with the number of events written so far. */
  onProgress?: (rowsDone: number) => void;
}

/** Where and how export files are produced; see `createAuditLog({ exports })`. */
export interface ExportSettings {
  /**
   * Directory of the default filesystem storage; created (mode 0700) when missing. It must be
   * owned by this process's user and writable by no one else, or `createExport` refuses to
   * write into it. Not together with `createAuditLog({ exportStorage })`.
   */
  directory: string;
  /**
   * How long the `url` of a ready export works, in seconds, when the storage signs links (S3).
   * Default 600.
   */
  signedUrlTtlSeconds: number;
  /**
   * How long a dead producer holds its export, in ms: the producer holds a lease for this long
   * and renews it every third of it while it writes. Once the lease expires, any instance on the
   * same database (any process with the audit log open) takes the export over and produces it
   * afresh: within about 1⅓ × this after the producer died (it looks every third of it, and at
   * once when someone polls the export). Default 30000.
   */
  takeoverAfterMs: number;
  /**
   * How long a finished export's file is kept, in ms, from when it became ready; it is then
   * deleted and the export reported `expired`. Default 600000 (10 minutes: the lifetime WorkOS
   * gives an export's URL).
   */
  expiresAfterMs: number;
  /**
   * How often expired files are looked for, in ms; each look deletes at most 100, and only one
   * instance at a time looks (a lease). The same look removes what producers that died left
   * unfinished in the storage (`.partial` files, incomplete multipart uploads), at most 100 per
   * look. Default 60000.
   */
  expirySweepMs: number;
}

/**
 * A ready export's file, as `openExport` hands it over: a link of the storage that works
 * without credentials until `expiresAt` (S3's presigned GET), or the file's bytes.
 *
 * @example
 * ```ts
 * const file = await auditLog.openExport(id);
 * if (file?.kind === 'url') response.redirect(file.url);
 * else if (file?.kind === 'stream') file.body.pipe(response);
 * ```
 */
export type ExportFile =
  | { kind: 'url'; url: string; expiresAt: Date }
  | ({ kind: 'stream' } & ExportObjectStream);

/**
 * Options of `openExport`.
 *
 * @example
 * ```ts
 * const file = await auditLog.openExport(id, { signedUrlTtlSeconds: 60 });
 * ```
 */
export interface OpenExportOptions {
  /** How long a signed URL works, in seconds. Default: `exports.signedUrlTtlSeconds` (600). */
  signedUrlTtlSeconds?: number;
}

/** The lease name of an export's producer. */
const leaseOf = (id: string) => `auditkit:export:${id}`;
/** One instance at a time sweeps expired files. */
const SWEEP_LEASE = 'auditkit:export-expiry-sweep';
/** Expired files deleted per sweep, at most. */
const SWEEP_BATCH = 100;
/** Pending exports read per page of the takeover scan. */
const SCAN_PAGE = 50;
/** Exports one instance takes over at the same time, at most. */
const MAX_TAKEOVERS = 2;

/** Raised inside a production attempt whose lease another instance has taken. */
class LeaseLost extends Error {}

/**
 * The storage key of a takeover's production attempt. Each attempt writes a file of its own —
 * the first (by the process that created the export) `<id>.<format>`, every takeover
 * `<id>.<lease token>.<format>` — so an attempt that lost its lease (a paused process that wakes
 * up) can neither replace nor delete the file of the attempt that finished the export.
 */
function takeoverKey(record: { id: string; format: string }, token: number): string {
  return `${record.id}.${token}.${record.format}`;
}

/**
 * The export and attempt a storage key belongs to: `<id>.<format>` (the first attempt, whose
 * token the record does not keep apart from later ones) or `<id>.<token>.<format>` (a takeover).
 * `undefined` for keys of anything else (a log stream's objects in a shared storage).
 */
function attemptOfKey(key: string): { id: string; token?: number } | undefined {
  const match = /^(audit_log_export_[A-Za-z0-9_]+)\.(?:([0-9]{1,15})\.)?(?:csv|ndjson)$/.exec(key);
  if (!match?.[1]) return undefined;
  return match[2] === undefined ? { id: match[1] } : { id: match[1], token: Number(match[2]) };
}

/** The object key of a finished export: its attempt's, or the one key of records from before. */
function objectKeyOf(record: ExportRecord): string {
  return record.objectKey ?? exportObjectKey(record);
}

/**
 * Runs export jobs and reads their records from the store. A job survives the process that
 * started it: its producer holds a lease in the database (renewed while it writes), and every
 * instance looks for pending exports whose lease has expired and produces them afresh, under a
 * new lease whose larger token alone may mark the export ready (fencing). It also deletes
 * expired files.
 */
export class ExportJobs {
  readonly #store: AuditStore;
  readonly #reader: EventReader;
  readonly #storage: ExportStorage;
  readonly #settings: Omit<ExportSettings, 'directory'>;
  readonly #now: () => Date;
  readonly #running = new Set<Promise<void>>();
  /** Whose leases this instance's producers hold. */
  readonly #holder = `auditkit-${randomUUID()}`;
  /** Exports this instance is producing. */
  readonly #producing = new Set<string>();
  /** When this instance last tried to take an export over, by id (polls try at most this often). */
  readonly #lastTry = new Map<string, number>();
  #takeovers = 0;
  /** Where this instance's next sweep of unfinished writes starts (the storage's `next`). */
  #unfinishedAfter: string | undefined;
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;

  constructor(
    store: AuditStore,
    reader: EventReader,
    storage: ExportStorage,
    settings: Omit<ExportSettings, 'directory'>,
    now: () => Date,
  ) {
    this.#store = store;
    this.#reader = reader;
    this.#storage = storage;
    this.#settings = settings;
    this.#now = now;
  }

  /** Starts looking for abandoned exports and expired files, in the background of this process. */
  start(): void {
    const every = (ms: number, task: () => Promise<void>) => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy || this.#stopped) return;
        busy = true;
        const run = task()
          .catch(() => undefined)
          .finally(() => {
            busy = false;
            this.#running.delete(run);
          });
        this.#running.add(run);
      }, ms);
      // Background work never keeps the application's process alive.
      timer.unref();
      this.#timers.push(timer);
    };
    every(Math.max(1, Math.floor(this.#settings.takeoverAfterMs / 3)), () => this.#scanPending());
    every(this.#settings.expirySweepMs, () => this.sweepExpired().then(() => undefined));
  }

  /** Stops the background work; what runs finishes (`settle`). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }

  async create(filters: AuditLogExportFilters, options: CreateExportOptions = {}): Promise<AuditLogExport> {
    // The export and its record use this validated copy, never the caller's object, which the
    // caller may reuse or change while the export runs in the background.
    const filter = copyFilter(parseExportFilters(filters));
    const format = options.format ?? 'csv';
    if (format !== 'csv' && format !== 'ndjson') {
      throw new AuditKitError('invalid_request', 'Invalid export options: format must be "csv" or "ndjson"', {
        errors: [{ path: 'format', code: 'invalid_value', message: 'must be "csv" or "ndjson"' }],
      });
    }
    // A misconfigured storage (an unsafe directory) is refused here, before any record exists.
    // Other failures (a path through a file, no permission) become the export's `error`, where
    // an operator reads them, like any failure while writing the file.
    await this.#storage.prepare?.().catch((error: unknown) => {
      if (isAuditKitError(error)) throw error;
    });
    const now = this.#now();
    const id = newExportId(now.getTime());
    // The lease first: the record is born claimed, so no other instance takes it over meanwhile.
    const grant = await this.#store.acquireLease({
      name: leaseOf(id),
      holder: this.#holder,
      ttlMs: this.#settings.takeoverAfterMs,
    });
    if (!grant) throw new Error(`the lease of the new export ${id} is held by someone else`);
    const record: ExportRecord = {
      id,
      state: 'pending',
      organizationId: filter.organizationId,
      filters: JSON.stringify(filter),
      format,
      createdAt: now,
      updatedAt: now,
      leaseToken: grant.token,
    };
    await this.#store.insertExport(record);
    this.#track(this.#produce(record, grant.token, exportObjectKey(record), filter, options.onProgress));
    return this.#present(record);
  }

  async get(id: string): Promise<AuditLogExport> {
    const record = await this.#read(id);
    if (record.state === 'pending') this.#pollTakeover(record);
    const exp = this.#present(record);
    if (exp.state === 'ready' && this.#storage.signedUrl) {
      exp.url = await this.#signedUrl(record, this.#settings.signedUrlTtlSeconds);
    }
    return exp;
  }

  /** The stored record, or `not_found`; an id that cannot be one is `invalid_request`. */
  async #read(id: string): Promise<ExportRecord> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 255 || !isStorableText(id)) {
      throw new AuditKitError('invalid_request', 'getExport expects an export id', {
        errors: [
          {
            path: 'id',
            code: 'invalid_value',
            message: 'must be a non-empty string of at most 255 storable characters',
          },
        ],
      });
    }
    const record = await this.#store.getExport(id);
    if (!record) throw new AuditKitError('not_found', `Export "${id}" does not exist`);
    return record;
  }

  /**
   * The file of a ready export: a signed URL when the storage makes them, else a stream.
   * `undefined` when the export is not ready or its file is no longer in the storage.
   */
  async open(id: string, options: OpenExportOptions = {}): Promise<ExportFile | undefined> {
    const { signedUrlTtlSeconds = this.#settings.signedUrlTtlSeconds } = parseRequest(
      openRequest,
      options,
      'openExport options',
    );
    const record = await this.#read(id);
    if (this.#stateOf(record) !== 'ready') return undefined;
    const key = objectKeyOf(record);
    if (this.#storage.signedUrl) {
      // A link to an object that is gone would fail at the storage with its own error page.
      if ((await this.#storage.stat(key)) === undefined) return undefined;
      const seconds = this.#linkSeconds(record, signedUrlTtlSeconds);
      const expiresAt = new Date(this.#now().getTime() + seconds * 1000);
      return { kind: 'url', url: await this.#signedUrl(record, seconds), expiresAt };
    }
    const object = await this.#storage.read(key);
    return object && { kind: 'stream', ...object };
  }

  /** A link never outlives the file: at most until the export's `expiresAt`. */
  #linkSeconds(record: ExportRecord, wanted: number): number {
    if (record.expiresAt === undefined) return wanted;
    const left = Math.ceil((record.expiresAt.getTime() - this.#now().getTime()) / 1000);
    return Math.max(1, Math.min(wanted, left));
  }

  #signedUrl(record: ExportRecord, expiresInSeconds: number): Promise<string> {
    const signedUrl = this.#storage.signedUrl;
    if (!signedUrl) throw new Error('this storage signs no URLs');
    return signedUrl.call(this.#storage, objectKeyOf(record), {
      expiresInSeconds: this.#linkSeconds(record, expiresInSeconds),
      filename: exportObjectKey(record),
      contentType: exportContentType(record.format),
    });
  }

  /**
   * Polls until the export is no longer `pending`. A wait that runs out while the export is still
   * `pending` rejects with `export_timeout` rather than returning the pending export, which a
   * caller reading `path` would mistake for a finished one. Each poll goes through `read`, so
   * the audit log can refuse a poll after `close()` instead of keeping `close()` waiting.
   */
  async wait(
    id: string,
    options: WaitForExportOptions = {},
    read: (id: string) => Promise<AuditLogExport> = (exportId) => this.get(exportId),
  ): Promise<FinishedAuditLogExport> {
    const { timeoutMs = 60_000, intervalMs = 100 } = parseRequest(
      waitRequest,
      options,
      'waitForExport options',
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await read(id);
      if (isFinished(current)) return current;
      if (Date.now() >= deadline) {
        throw new AuditKitError(
          'export_timeout',
          `Export "${id}" was still pending after ${timeoutMs} ms; it may still finish: call getExport or waitForExport again`,
          {
            errors: [
              { path: 'timeoutMs', code: 'timed_out', message: `passed while the export was pending` },
            ],
          },
        );
      }
      await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
    }
  }

  /** Resolves when every export and background task this process started has finished. */
  async settle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /**
   * Deletes the files of ready exports whose `expiresAt` has passed (at most 100 per call) and
   * marks those exports `expired`; returns how many. Then removes a page of what dead production
   * attempts left unfinished in the storage (see `#sweepUnfinished`). Runs in the background every
   * `exports.expirySweepMs`; only one instance at a time sweeps (a lease), and every step is safe
   * to repeat: deleting a file that is gone succeeds, and the record changes only from `ready`.
   */
  async sweepExpired(): Promise<number> {
    const ttlMs = Math.max(this.#settings.expirySweepMs * 2, 60_000);
    const grant = await this.#store.acquireLease({ name: SWEEP_LEASE, holder: this.#holder, ttlMs });
    if (!grant) return 0;
    try {
      const now = this.#now();
      const expired = await this.#store.listExports({
        state: 'ready',
        expiresBefore: now,
        limit: SWEEP_BATCH,
      });
      let swept = 0;
      for (const record of expired) {
        // The file first: if this process dies here, the record is still `ready` (reported
        // `expired` by its time) and the next sweep deletes again.
        await this.#storage.delete(objectKeyOf(record));
        const { path: _path, ...rest } = record;
        if (
          await this.#store.updateExportIf({ ...rest, state: 'expired', updatedAt: now }, { state: 'ready' })
        ) {
          swept += 1;
        }
      }
      await this.#sweepUnfinished();
      return swept;
    } finally {
      await this.#store.releaseLease(SWEEP_LEASE, this.#holder).catch(() => undefined);
    }
  }

  /**
   * Removes what production attempts that died left unfinished in the storage (a `.partial`
   * file, an incomplete multipart upload): the takeover removes its predecessor's at once, and
   * this catches the rest (a removal that failed, a producer killed while its export was being
   * finished by another). Bounded: one page of at most 100 per sweep, resuming where the last
   * sweep of this instance ended. Only abandoned writes go: those of an export that is no longer
   * pending (every attempt is over or fenced out), or of a takeover attempt whose lease token the
   * record no longer names. A write of an export this database does not know is left alone —
   * another deployment may share the storage.
   */
  async #sweepUnfinished(): Promise<void> {
    const storage = this.#storage;
    const { listUnfinished, deleteUnfinished } = storage;
    if (!listUnfinished || !deleteUnfinished) return;
    const page = await listUnfinished.call(storage, {
      limit: SWEEP_BATCH,
      ...(this.#unfinishedAfter === undefined ? {} : { after: this.#unfinishedAfter }),
    });
    const records = new Map<string, ExportRecord | undefined>();
    for (const write of page.writes) {
      const attempt = attemptOfKey(write.key);
      if (attempt === undefined) continue;
      if (!records.has(attempt.id)) records.set(attempt.id, await this.#store.getExport(attempt.id));
      const record = records.get(attempt.id);
      if (record === undefined) continue;
      const abandoned =
        record.state !== 'pending' || (attempt.token !== undefined && attempt.token !== record.leaseToken);
      if (abandoned) await deleteUnfinished.call(storage, write);
    }
    // Moved on only once the page is done (a failure retries it); the end of the listing starts
    // the next sweep over from the beginning.
    this.#unfinishedAfter = page.next;
  }

  #track(job: Promise<void>): void {
    const tracked = job.catch(() => undefined).finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
  }

  /** What the export is now: a ready export past its expiry is `expired` even before the sweep. */
  #stateOf(record: ExportRecord): ExportState {
    if (record.state === 'ready' && record.expiresAt !== undefined && record.expiresAt <= this.#now()) {
      return 'expired';
    }
    return record.state;
  }

  /** A poll of a pending export tries to take it over, at most every tenth of the takeover time. */
  #pollTakeover(record: ExportRecord): void {
    if (this.#stopped || this.#producing.has(record.id)) return;
    const now = Date.now();
    const last = this.#lastTry.get(record.id);
    if (last !== undefined && now - last < this.#settings.takeoverAfterMs / 10) return;
    if (this.#lastTry.size > 10_000) this.#lastTry.clear();
    this.#lastTry.set(record.id, now);
    this.#track(this.#takeOver(record));
  }

  /** Every pending export, page by page: those whose producer's lease expired are taken over. */
  async #scanPending(): Promise<void> {
    let afterId: string | undefined;
    for (;;) {
      const page = await this.#store.listExports({
        state: 'pending',
        limit: SCAN_PAGE,
        ...(afterId === undefined ? {} : { afterId }),
      });
      for (const record of page) {
        if (this.#stopped || this.#takeovers >= MAX_TAKEOVERS) return;
        if (!this.#producing.has(record.id)) await this.#takeOver(record);
      }
      if (page.length < SCAN_PAGE) return;
      afterId = page.at(-1)?.id;
    }
  }

  /**
   * Takes a pending export over when its producer's lease has expired (or it never had one):
   * a new lease, a claim of the record with the lease's larger token, the dead attempt's file
   * removed, and the export produced from scratch under a key of its own.
   */
  async #takeOver(seen: ExportRecord): Promise<void> {
    if (this.#stopped || this.#producing.has(seen.id) || this.#takeovers >= MAX_TAKEOVERS) return;
    // Reserved before the first await: a poll and a scan of this instance never both try.
    this.#producing.add(seen.id);
    this.#takeovers += 1;
    try {
      const name = leaseOf(seen.id);
      const grant = await this.#store.acquireLease({
        name,
        holder: this.#holder,
        ttlMs: this.#settings.takeoverAfterMs,
      });
      if (!grant) return;
      const claimed = await this.#store.claimExport(seen.id, grant.token, this.#now());
      if (!claimed) {
        await this.#store.releaseLease(name, this.#holder);
        return;
      }
      // The previous attempt's file, if it got as far as storing one (a partial write leaves none):
      // no attempt can finish with it any more, since the record now names this lease's token.
      if (seen.leaseToken !== undefined && seen.leaseToken < grant.token) {
        await this.#storage.delete(exportObjectKey(seen)).catch(() => undefined);
        await this.#storage.delete(takeoverKey(seen, seen.leaseToken)).catch(() => undefined);
      }
      await this.#produce(
        claimed,
        grant.token,
        takeoverKey(claimed, grant.token),
        filterOf(claimed),
        undefined,
      );
    } finally {
      this.#takeovers -= 1;
      this.#producing.delete(seen.id);
    }
  }

  /**
   * One production attempt under lease token `token`: the file is written under the attempt's
   * own key while the lease is renewed; the export becomes `ready` only if the stored record
   * still names this token (another instance that took over has a larger one). An attempt that
   * loses its lease stops, records nothing and removes its file.
   */
  async #produce(
    record: ExportRecord,
    token: number,
    key: string,
    filter: (EventFilter & { rangeStart: Date; rangeEnd: Date }) | Error,
    onProgress: ((rowsDone: number) => void) | undefined,
  ): Promise<void> {
    const name = leaseOf(record.id);
    const lost = new AbortController();
    this.#producing.add(record.id);
    const renewal = setInterval(
      () => {
        this.#store
          .acquireLease({ name, holder: this.#holder, ttlMs: this.#settings.takeoverAfterMs })
          .then((grant) => {
            if (grant?.token !== token) lost.abort(new LeaseLost(`export ${record.id}: lease lost`));
          })
          // A failed renewal is tried again; if the lease lapses meanwhile, fencing refuses the finish.
          .catch(() => undefined);
      },
      Math.max(1, Math.floor(this.#settings.takeoverAfterMs / 3)),
    );
    renewal.unref();
    let rowCount = 0;
    let stored = false;
    try {
      if (filter instanceof Error) throw filter;
      const chunks = this.#reader.export(filter, {
        format: record.format,
        onProgress: (rowsDone) => {
          rowCount = rowsDone;
          onProgress?.(rowsDone);
        },
      });
      // The storage makes the object visible only once complete; a failed write leaves none.
      const object = await this.#storage.write(key, untilAborted(chunks, lost.signal), {
        contentType: exportContentType(record.format),
      });
      stored = true;
      if (lost.signal.aborted) throw lost.signal.reason;
      const now = this.#now();
      const finished = await this.#store.updateExportIf(
        {
          ...record,
          state: 'ready',
          leaseToken: token,
          path: object.location,
          objectKey: key,
          rowCount,
          expiresAt: new Date(now.getTime() + this.#settings.expiresAfterMs),
          updatedAt: now,
        },
        { state: 'pending', leaseToken: token },
      );
      if (!finished) throw new LeaseLost(`export ${record.id}: another instance took it over`);
    } catch (error) {
      if (stored) await this.#storage.delete(key).catch(() => undefined);
      if (!(error instanceof LeaseLost)) {
        // Fenced like the finish. If even this fails, the lease lapses and another instance retries.
        await this.#store
          .updateExportIf(
            {
              ...record,
              state: 'error',
              leaseToken: token,
              errorMessage: failureReason(error),
              updatedAt: this.#now(),
            },
            { state: 'pending', leaseToken: token },
          )
          .catch(() => undefined);
      }
    } finally {
      clearInterval(renewal);
      this.#producing.delete(record.id);
      await this.#store.releaseLease(name, this.#holder).catch(() => undefined);
    }
  }

  #present(record: ExportRecord): AuditLogExport {
    return present(record, this.#stateOf(record), this.#storage);
  }
}

/** Passes chunks through until `signal` aborts, then throws its reason (the write leaves no file). */
async function* untilAborted(chunks: AsyncIterable<string>, signal: AbortSignal): AsyncGenerator<string> {
  for await (const chunk of chunks) {
    if (signal.aborted) throw signal.reason;
    yield chunk;
  }
}

/** The validated filters an export was created with, from its record (any process can read them). */
function filterOf(record: ExportRecord): (EventFilter & { rangeStart: Date; rangeEnd: Date }) | Error {
  try {
    const parsed = JSON.parse(record.filters) as Record<string, unknown>;
    return copyFilter(parseExportFilters(parsed as unknown as AuditLogExportFilters));
  } catch (error) {
    return new Error(`the export's stored filters cannot be read: ${failureReason(error)}`);
  }
}

/** A deep copy of validated filters: fresh lists and `Date`s the caller holds no reference to. */
function copyFilter<T extends EventFilter>(filter: T): T {
  return structuredClone(filter);
}

/** Why an export failed, for its record: a full disk named as such. */
function failureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (code === 'ENOSPC') return `the file system holding the export directory is full (${message})`;
  if (code === 'EDQUOT') return `the disk quota of the export directory is exhausted (${message})`;
  return message;
}

function isFinished(current: AuditLogExport): current is FinishedAuditLogExport {
  return current.state !== 'pending';
}

const waitRequest = z.strictObject({
  timeoutMs: z.number({ error: 'must be a number of milliseconds' }).int().min(0).optional(),
  intervalMs: z.number({ error: 'must be a number of milliseconds' }).int().min(1).optional(),
});

const openRequest = z.strictObject({
  signedUrlTtlSeconds: z
    .number({ error: 'must be a number of seconds' })
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional(),
});

function present(record: ExportRecord, state: ExportState, storage: ExportStorage): AuditLogExport {
  const out: AuditLogExport = {
    object: 'audit_log_export',
    id: record.id,
    state,
    organizationId: record.organizationId,
    format: record.format,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  if (state === 'ready') {
    const localPath = storage.localPath?.(objectKeyOf(record));
    if (localPath !== undefined) {
      out.path = localPath;
      out.url = pathToFileURL(localPath).href;
    }
    if (record.rowCount !== undefined) out.rowCount = record.rowCount;
    if (record.expiresAt !== undefined) out.expiresAt = record.expiresAt;
  }
  if (state === 'expired' && record.rowCount !== undefined) out.rowCount = record.rowCount;
  if (state === 'error' && record.errorMessage) out.error = record.errorMessage;
  return out;
}
