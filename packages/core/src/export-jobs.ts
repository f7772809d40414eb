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
}

/**
 * An export that has finished: `ready` (with `path`, `url`, `rowCount`) or `error` (with `error`).
 * What `waitForExport` resolves with.
 *
 * @example
 * ```ts
 * const done: FinishedAuditLogExport = await auditLog.waitForExport(job.id);
 * if (done.state === 'error') throw new Error(done.error);
 * ```
 */
export type FinishedAuditLogExport = AuditLogExport & { state: 'ready' | 'error' };

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
  /** A `pending` export not heard from for this long is reported as `error` (its process died). */
  staleAfterMs: number;
  /** How often a running export refreshes `updatedAt`, proving it is alive. */
  heartbeatMs: number;
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

/** Runs export jobs in the background of this process and reads their records from the store. */
export class ExportJobs {
  readonly #store: AuditStore;
  readonly #reader: EventReader;
  readonly #storage: ExportStorage;
  readonly #settings: Omit<ExportSettings, 'directory'>;
  readonly #now: () => Date;
  readonly #running = new Set<Promise<void>>();

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
    const record: ExportRecord = {
      id: newExportId(now.getTime()),
      state: 'pending',
      organizationId: filter.organizationId,
      filters: JSON.stringify(filter),
      format,
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.insertExport(record);
    const job = this.#produce(record, filter, options.onProgress).finally(() => this.#running.delete(job));
    this.#running.add(job);
    return this.#present(record);
  }

  async get(id: string): Promise<AuditLogExport> {
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
    const silentFor = this.#now().getTime() - record.updatedAt.getTime();
    if (record.state === 'pending' && silentFor > this.#settings.staleAfterMs) {
      return this.#present({
        ...record,
        state: 'error',
        errorMessage: `the export stopped making progress ${Math.round(silentFor / 1000)}s ago; the process producing it probably exited`,
      });
    }
    const exp = this.#present(record);
    if (exp.state === 'ready' && this.#storage.signedUrl) {
      exp.url = await this.#signedUrl(record, this.#settings.signedUrlTtlSeconds);
    }
    return exp;
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
    const exp = await this.get(id);
    if (exp.state !== 'ready') return undefined;
    const key = exportObjectKey(exp);
    if (this.#storage.signedUrl) {
      // A link to an object that is gone would fail at the storage with its own error page.
      if ((await this.#storage.stat(key)) === undefined) return undefined;
      const expiresAt = new Date(this.#now().getTime() + signedUrlTtlSeconds * 1000);
      return { kind: 'url', url: await this.#signedUrl(exp, signedUrlTtlSeconds), expiresAt };
    }
    const object = await this.#storage.read(key);
    return object && { kind: 'stream', ...object };
  }

  #signedUrl(record: { id: string; format: ExportFormat }, expiresInSeconds: number): Promise<string> {
    const signedUrl = this.#storage.signedUrl;
    if (!signedUrl) throw new Error('this storage signs no URLs');
    return signedUrl.call(this.#storage, exportObjectKey(record), {
      expiresInSeconds,
      filename: exportObjectKey(record),
      contentType: exportContentType(record.format),
    });
  }

  /**
   * Polls until the export is `ready` or `error`. A wait that runs out while the export is still
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

  /** Resolves when every export this process started has finished. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }

  async #produce(
    record: ExportRecord,
    filter: EventFilter & { rangeStart: Date; rangeEnd: Date },
    onProgress: ((rowsDone: number) => void) | undefined,
  ): Promise<void> {
    let rowCount = 0;
    try {
      const chunks = this.#reader.export(filter, {
        format: record.format,
        onProgress: (rowsDone) => {
          rowCount = rowsDone;
          onProgress?.(rowsDone);
        },
      });
      // The storage makes the object visible only once complete; a failed write leaves none.
      const stored = await this.#storage.write(exportObjectKey(record), this.#withHeartbeat(record, chunks), {
        contentType: exportContentType(record.format),
      });
      await this.#store.updateExport({
        ...record,
        state: 'ready',
        path: stored.location,
        rowCount,
        updatedAt: this.#now(),
      });
    } catch (error) {
      // If even recording the failure fails, the stale-pending rule reports it later.
      await this.#store
        .updateExport({
          ...record,
          state: 'error',
          errorMessage: failureReason(error),
          updatedAt: this.#now(),
        })
        .catch(() => undefined);
    }
  }

  #present(record: ExportRecord): AuditLogExport {
    return present(record, this.#storage);
  }

  /** Passes chunks through, refreshing `updatedAt` now and then to show the export is alive. */
  async *#withHeartbeat(record: ExportRecord, chunks: AsyncIterable<string>): AsyncGenerator<string> {
    let lastBeat = Date.now();
    for await (const chunk of chunks) {
      yield chunk;
      if (Date.now() - lastBeat >= this.#settings.heartbeatMs) {
        lastBeat = Date.now();
        await this.#store.updateExport({ ...record, updatedAt: this.#now() });
      }
    }
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

function present(record: ExportRecord, storage: ExportStorage): AuditLogExport {
  const out: AuditLogExport = {
    object: 'audit_log_export',
    id: record.id,
    state: record.state,
    organizationId: record.organizationId,
    format: record.format,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  if (record.state === 'ready') {
    const localPath = storage.localPath?.(exportObjectKey(record));
    if (localPath !== undefined) {
      out.path = localPath;
      out.url = pathToFileURL(localPath).href;
    }
    if (record.rowCount !== undefined) out.rowCount = record.rowCount;
  }
  if (record.state === 'error' && record.errorMessage) out.error = record.errorMessage;
  return out;
}
