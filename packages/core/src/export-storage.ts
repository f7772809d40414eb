import { randomUUID } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AuditKitError, toStorageError } from './errors.js';
import { defaultExportDirectory, prepareExportDirectory } from './export-directory.js';

/**
 * Where export files live: the local file system by default ({@link filesystemExportStorage}),
 * or shared object storage such as S3 (`s3ExportStorage` from `@auditkit/s3-storage`) so that
 * every instance of an application can serve every export. Pass one to
 * `createAuditLog({ exportStorage })`.
 *
 * Objects are named by keys AuditKit makes ({@link exportObjectKey}: letters, digits, `_`, `-`
 * and `.` only). A storage reports facts; what they mean for an export is decided in core.
 *
 * @example
 * ```ts
 * import { createAuditLog, filesystemExportStorage } from '@auditkit/core';
 *
 * const auditLog = await createAuditLog({
 *   store,
 *   exportStorage: filesystemExportStorage({ directory: '/var/lib/app/exports' }),
 * });
 * ```
 */
export interface ExportStorage {
  /** A short name for messages, e.g. `filesystem` or `s3`. */
  readonly name: string;
  /**
   * Checks the configuration before an export's record exists, so a misconfigured storage is
   * refused by `createExport` rather than recorded as a failed export. Rejects with an
   * `AuditKitError` for a configuration problem; any other rejection is ignored here (the
   * write reports it as the export's `error`).
   */
  prepare?(): Promise<void>;
  /**
   * Stores the bytes of `body` under `key`, reading `body` only as fast as they are written, so
   * memory stays flat whatever the size. The object is visible under `key` only once complete:
   * a write that fails (or whose `body` throws) leaves no object under `key` and removes what it
   * had written. Resolves with the object's size and where it is, for operators.
   */
  write(
    key: string,
    body: AsyncIterable<string | Uint8Array>,
    options: ExportWriteOptions,
  ): Promise<ExportObject>;
  /**
   * The object's bytes as a stream (destroy it to stop reading early), or `undefined` when no
   * object exists under `key`. Any other failure rejects: it is never reported as missing.
   */
  read(key: string): Promise<ExportObjectStream | undefined>;
  /** The object's size, or `undefined` when no object exists under `key` (failures reject). */
  stat(key: string): Promise<{ size: number } | undefined>;
  /**
   * Removes the object under `key`, and what an interrupted write of `key` left (a partial
   * file, an unfinished multipart upload, which also makes a writer still at it fail); resolves
   * as well when there is none.
   */
  delete(key: string): Promise<void>;
  /**
   * What interrupted writes left (partial files, unfinished multipart uploads), in a stable order,
   * at most `limit` per call, continuing after `after` (the `next` of the previous page). For
   * cleaning up after writers that died: core decides which are abandoned and removes those with
   * {@link ExportStorage.deleteUnfinished}. Storages without it leave that to their operator.
   */
  listUnfinished?(options: ListUnfinishedOptions): Promise<UnfinishedWritePage>;
  /**
   * Removes one unfinished write, never the finished object under its key; a writer still at it
   * then fails. Resolves as well when it is already gone.
   */
  deleteUnfinished?(write: UnfinishedWrite): Promise<void>;
  /**
   * A URL that serves the object to a plain HTTP GET, without credentials, until it expires
   * (S3: a presigned GET). Absent on storages without such links; their files are streamed.
   */
  signedUrl?(key: string, options: SignedUrlOptions): Promise<string>;
  /** The file's path on this machine, for storages that are a local directory. */
  localPath?(key: string): string;
}

/**
 * Options of {@link ExportStorage.write}.
 *
 * @example
 * ```ts
 * const options: ExportWriteOptions = { contentType: 'text/csv; charset=utf-8' };
 * ```
 */
export interface ExportWriteOptions {
  /** The media type a download of the object should carry. */
  contentType: string;
}

/**
 * A stored object, as {@link ExportStorage.write} reports it.
 *
 * @example
 * ```ts
 * const { size, location } = await storage.write(key, chunks, { contentType: 'text/csv' });
 * ```
 */
export interface ExportObject {
  /** Bytes written. */
  size: number;
  /** Where the object is, for people: a file path, or `s3://bucket/key`. */
  location: string;
}

/**
 * An object being read, as {@link ExportStorage.read} returns it.
 *
 * @example
 * ```ts
 * const object = await storage.read(key);
 * if (object) for await (const chunk of object.body) process.stdout.write(chunk);
 * ```
 */
export interface ExportObjectStream {
  body: Readable;
  size: number;
}

/**
 * What an interrupted write left in a storage, as {@link ExportStorage.listUnfinished} reports it.
 *
 * @example
 * ```ts
 * const write: UnfinishedWrite = { key: 'audit_log_export_01J….csv', id: 'Vx2p…' }; // S3: the upload id
 * ```
 */
export interface UnfinishedWrite {
  /** The key the write was storing. */
  key: string;
  /** Which write of that key: the partial file's name, the multipart upload's id. */
  id: string;
}

/**
 * Options of {@link ExportStorage.listUnfinished}.
 *
 * @example
 * ```ts
 * const page = await storage.listUnfinished?.({ limit: 100 });
 * const more = page?.next && (await storage.listUnfinished?.({ limit: 100, after: page.next }));
 * ```
 */
export interface ListUnfinishedOptions {
  /** At most this many writes. */
  limit: number;
  /** Where the previous page ended (its `next`); default the beginning. */
  after?: string;
}

/**
 * One page of {@link ExportStorage.listUnfinished}.
 *
 * @example
 * ```ts
 * const { writes, next } = await storage.listUnfinished({ limit: 100 });
 * ```
 */
export interface UnfinishedWritePage {
  writes: UnfinishedWrite[];
  /** Set when there may be more: pass it as `after`. */
  next?: string;
}

/**
 * Options of {@link ExportStorage.signedUrl}.
 *
 * @example
 * ```ts
 * const url = await storage.signedUrl?.(key, { expiresInSeconds: 300, filename: 'export.csv', contentType: 'text/csv' });
 * ```
 */
export interface SignedUrlOptions {
  /** How long the URL works, in seconds. */
  expiresInSeconds: number;
  /** The file name a browser should save the download as. */
  filename: string;
  /** The media type the download should carry. */
  contentType: string;
}

/**
 * The key an export's object is stored under: `<export id>.<format>` (the file name exports
 * always had), the same in every process, so any instance finds any export's file.
 *
 * @example
 * ```ts
 * exportObjectKey({ id: 'audit_log_export_01J…', format: 'csv' }); // 'audit_log_export_01J….csv'
 * ```
 */
export function exportObjectKey(record: { id: string; format: string }): string {
  return `${record.id}.${record.format}`;
}

/**
 * The media type of an export file of this format.
 *
 * @example
 * ```ts
 * exportContentType('ndjson'); // 'application/x-ndjson; charset=utf-8'
 * ```
 */
export function exportContentType(format: string): string {
  return format === 'ndjson' ? 'application/x-ndjson; charset=utf-8' : 'text/csv; charset=utf-8';
}

const SAFE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

/**
 * Refuses a key that is not one AuditKit makes, so no key can reach outside a storage's
 * directory or prefix (`..`, `/`, `\`, NUL…). For storage implementations.
 *
 * @example
 * ```ts
 * assertExportObjectKey('audit_log_export_01J.csv'); // ok
 * assertExportObjectKey('../etc/passwd'); // throws invalid_request
 * ```
 */
export function assertExportObjectKey(key: string): void {
  if (typeof key !== 'string' || !SAFE_KEY.test(key) || key.includes('..')) {
    throw new AuditKitError('invalid_request', `Not an export object key: ${JSON.stringify(key)}`, {
      errors: [
        {
          path: 'key',
          code: 'invalid_value',
          message: 'must be letters, digits, "_", "-" and "." (no "..")',
        },
      ],
    });
  }
}

/**
 * Options of {@link filesystemExportStorage}.
 *
 * @example
 * ```ts
 * const options: FilesystemExportStorageOptions = { directory: '/var/lib/app/exports' };
 * ```
 */
export interface FilesystemExportStorageOptions {
  /**
   * Directory for export files; created (mode 0700) when missing. It must be owned by this
   * process's user and writable by no one else, or `createExport` refuses to write into it.
   * Default `<os tmpdir>/auditkit-exports-<uid>`.
   */
  directory?: string;
}

/**
 * Export files in a directory of the local file system: the default storage. Files are
 * written as `<key>.<random>.partial` (mode 0600, never over an existing file) and renamed into
 * place once complete. Only the process's own machine can read them, so with several instances of an
 * application use shared storage such as `@auditkit/s3-storage` instead.
 *
 * @example
 * ```ts
 * import { createAuditLog, filesystemExportStorage } from '@auditkit/core';
 *
 * const auditLog = await createAuditLog({
 *   store,
 *   exportStorage: filesystemExportStorage({ directory: '/var/lib/app/exports' }),
 * });
 * ```
 */
export function filesystemExportStorage(options: FilesystemExportStorageOptions = {}): ExportStorage {
  const directory = options.directory ?? defaultExportDirectory();
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new AuditKitError(
      'invalid_request',
      'filesystemExportStorage: directory must be a directory path',
      {
        errors: [{ path: 'directory', code: 'invalid_value', message: 'must be a directory path' }],
      },
    );
  }
  const pathOf = (key: string) => {
    assertExportObjectKey(key);
    return join(directory, key);
  };
  return {
    name: 'filesystem',
    prepare: () => prepareExportDirectory(directory),
    localPath: pathOf,
    async write(key, body) {
      const finalPath = pathOf(key);
      // A name of this write's own: a file left by a writer that died (a job taken over by
      // another instance) never blocks this one.
      const partialPath = `${finalPath}.${randomUUID()}.partial`;
      // Checked on every write: the directory may have been replaced since prepare() looked.
      await prepareExportDirectory(directory);
      // `wx`: never follow or overwrite a file someone planted under this name; 0600: only this
      // user can read the organization's audit trail.
      const file = await open(partialPath, 'wx', 0o600);
      try {
        const stream = file.createWriteStream();
        // pipeline settles once, whichever side fails (a full disk, a store error), after
        // closing the file and stopping the read: no stream error is left without a listener.
        await pipeline(body, stream);
        await rename(partialPath, finalPath);
        return { size: stream.bytesWritten, location: finalPath };
      } catch (error) {
        await rm(partialPath, { force: true }).catch(() => undefined);
        throw error;
      }
    },
    async read(key) {
      const path = pathOf(key);
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      try {
        const { size } = await handle.stat();
        return { body: handle.createReadStream(), size };
      } catch (error) {
        await handle.close().catch(() => undefined);
        throw error;
      }
    },
    async stat(key) {
      try {
        const info = await stat(pathOf(key));
        return { size: info.size };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
      // Also what a writer of this key killed mid-write left behind (`<key>.<uuid>.partial`).
      let names: string[];
      try {
        names = await readdir(directory);
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const name of names) {
        if (partialKeyOf(name) === key) await rm(join(directory, name), { force: true });
      }
    },
    async listUnfinished({ limit, after }) {
      let names: string[];
      try {
        names = await readdir(directory);
      } catch (error) {
        if (isMissing(error)) return { writes: [] };
        throw error;
      }
      // Sorted, so that `after` (a file name) resumes where the previous page ended.
      const partial = names
        .filter((name) => partialKeyOf(name) !== undefined && (after === undefined || name > after))
        .sort();
      const writes = partial.slice(0, limit).map((name) => ({ key: partialKeyOf(name) as string, id: name }));
      const last = writes.at(-1);
      return partial.length > limit && last ? { writes, next: last.id } : { writes };
    },
    async deleteUnfinished({ key, id }) {
      pathOf(key);
      // Only a partial file of that key: never the finished file, nothing outside the directory.
      if (partialKeyOf(id) !== key) throw new Error(`not a partial file of ${key}: ${JSON.stringify(id)}`);
      await rm(join(directory, id), { force: true });
    },
  };
}

/** `<key>.<uuid>.partial`: a write in progress, or what a writer that died left. */
const PARTIAL = /^(.+)\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.partial$/;

/** The key a partial file's name belongs to, or `undefined` for any other name. */
function partialKeyOf(name: string): string | undefined {
  const key = PARTIAL.exec(name)?.[1];
  return key !== undefined && SAFE_KEY.test(key) && !key.includes('..') ? key : undefined;
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

const OPERATIONS = {
  read: 'read an export file',
  stat: 'look up an export file',
  delete: 'delete an export file',
  signedUrl: 'sign an export file URL',
  listUnfinished: 'list unfinished export file writes',
  deleteUnfinished: 'delete an unfinished export file write',
} as const;

/**
 * Whatever a storage's `read`, `stat`, `delete`, `signedUrl`, `listUnfinished` or
 * `deleteUnfinished` throws reaches the caller as an `AuditKitError` `storage_error` (the
 * original as `cause`, the storage's name in the message), like store failures. `write` is left as it is: its failure becomes the export's `error`.
 * `createAuditLog` guards its export storage with it.
 *
 * @example
 * ```ts
 * const storage = guardExportStorage(filesystemExportStorage());
 * await storage.stat('audit_log_export_1.csv'); // a failure rejects with code 'storage_error'
 * ```
 */
export function guardExportStorage(storage: ExportStorage): ExportStorage {
  for (const method of ['write', 'read', 'stat', 'delete'] as const) {
    if (typeof storage[method] !== 'function') {
      throw new AuditKitError('invalid_request', `exportStorage.${method} must be a function`, {
        errors: [{ path: `exportStorage.${method}`, code: 'invalid_type', message: 'must be a function' }],
      });
    }
  }
  const guard =
    <A extends unknown[], R>(method: keyof typeof OPERATIONS, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn.apply(storage, args);
      } catch (error) {
        throw toStorageError(error, `${OPERATIONS[method]} (${storage.name})`);
      }
    };
  const guarded: ExportStorage = {
    name: storage.name,
    write: (key, body, options) => storage.write(key, body, options),
    read: guard('read', storage.read),
    stat: guard('stat', storage.stat),
    delete: guard('delete', storage.delete),
  };
  if (storage.prepare) {
    const prepare = storage.prepare;
    guarded.prepare = () => prepare.call(storage);
  }
  if (storage.signedUrl) guarded.signedUrl = guard('signedUrl', storage.signedUrl);
  if (storage.listUnfinished) guarded.listUnfinished = guard('listUnfinished', storage.listUnfinished);
  if (storage.deleteUnfinished) {
    guarded.deleteUnfinished = guard('deleteUnfinished', storage.deleteUnfinished);
  }
  if (storage.localPath) {
    const localPath = storage.localPath;
    guarded.localPath = (key) => localPath.call(storage, key);
  }
  return guarded;
}
