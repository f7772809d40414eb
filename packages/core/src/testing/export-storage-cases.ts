import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ExportStorage } from '../export-storage.js';

/**
 * Options of {@link runExportStorageConformance}.
 *
 * @example
 * ```ts
 * const options: ExportStorageConformanceOptions = { name: 's3', makeStorage: () => s3ExportStorage(settings) };
 * ```
 */
export interface ExportStorageConformanceOptions {
  /** For the test titles. */
  name: string;
  /** A fresh, empty storage (its own directory or prefix) per call. */
  makeStorage(): ExportStorage | Promise<ExportStorage>;
  /**
   * Lists every object and unfinished upload the last storage holds (keys as given to
   * `write`, plus whatever a storage leaves while writing), to prove a failed write leaves
   * nothing behind.
   */
  listLeftovers(): Promise<string[]>;
  /** A storage whose service refuses every request (wrong credentials, no such bucket). */
  makeBrokenStorage?(): ExportStorage | Promise<ExportStorage>;
}

const CONTENT_TYPE = 'text/csv; charset=utf-8';

async function* chunksOf(parts: readonly (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  for (const part of parts) yield part;
}

async function readAll(storage: ExportStorage, key: string): Promise<Buffer> {
  const object = await storage.read(key);
  if (!object) throw new Error(`no object under ${key}`);
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(Buffer.from(chunk as Uint8Array));
  const bytes = Buffer.concat(chunks);
  expect(bytes.byteLength).toBe(object.size);
  return bytes;
}

/**
 * The contract of an {@link ExportStorage}, run against a real backend: round trips of text and
 * bytes, a body larger than any buffer (multipart), a failed write that leaves nothing, missing
 * objects reported as missing and failures as failures, keys that cannot escape, and signed
 * URLs that work without credentials. Call it from a vitest test file.
 *
 * @example
 * ```ts
 * import { filesystemExportStorage } from '@auditkit/core';
 * import { runExportStorageConformance } from '@auditkit/core/testing';
 *
 * runExportStorageConformance({
 *   name: 'filesystem',
 *   makeStorage: () => filesystemExportStorage({ directory: (dir = mkdtempSync(base)) }),
 *   listLeftovers: () => readdir(dir),
 * });
 * ```
 */
export function runExportStorageConformance(options: ExportStorageConformanceOptions): void {
  describe(`export storage contract: ${options.name}`, () => {
    it('stores text and bytes under a key and reads back exactly those bytes', async () => {
      const storage = await options.makeStorage();
      const parts = ['id,name\r\n', 'ü,日本語 🚀\r\n', new Uint8Array([0x61, 0x2c, 0x62, 0x0d, 0x0a])];
      const written = await storage.write('audit_log_export_1.csv', chunksOf(parts), {
        contentType: CONTENT_TYPE,
      });
      const expected = Buffer.concat(parts.map((part) => Buffer.from(part)));
      expect(written.size).toBe(expected.byteLength);
      expect(written.location).toContain('audit_log_export_1.csv');
      expect(await storage.stat('audit_log_export_1.csv')).toEqual({ size: expected.byteLength });
      expect((await readAll(storage, 'audit_log_export_1.csv')).equals(expected)).toBe(true);
      expect(await options.listLeftovers()).toEqual(['audit_log_export_1.csv']);
      const empty = await storage.write('audit_log_export_2.ndjson', chunksOf([]), {
        contentType: CONTENT_TYPE,
      });
      expect(empty.size).toBe(0);
      expect((await readAll(storage, 'audit_log_export_2.ndjson')).byteLength).toBe(0);
    });

    it('streams a body larger than an upload part and reads it back whole', async () => {
      const storage = await options.makeStorage();
      // 12 MiB of random text in 64 KiB chunks: more than two 5 MiB parts of a multipart upload.
      const chunk = randomBytes(48 * 1024).toString('base64');
      const count = 192;
      const body = (async function* () {
        for (let i = 0; i < count; i++) yield chunk;
      })();
      const written = await storage.write('audit_log_export_big.csv', body, { contentType: CONTENT_TYPE });
      expect(written.size).toBe(chunk.length * count);
      const bytes = await readAll(storage, 'audit_log_export_big.csv');
      expect(bytes.byteLength).toBe(chunk.length * count);
      expect(bytes.subarray(0, chunk.length).toString()).toBe(chunk);
      expect(bytes.subarray(bytes.byteLength - chunk.length).toString()).toBe(chunk);
    });

    it('leaves no object, and nothing half-written, when the body fails mid-way', async () => {
      const storage = await options.makeStorage();
      const chunk = 'x'.repeat(1024 * 1024);
      const body = (async function* () {
        // Past one 5 MiB part, so a multipart upload has begun when the failure comes.
        for (let i = 0; i < 7; i++) yield chunk;
        throw new Error('the database went away');
      })();
      await expect(
        storage.write('audit_log_export_failed.csv', body, { contentType: CONTENT_TYPE }),
      ).rejects.toThrow(/database went away/);
      expect(await storage.stat('audit_log_export_failed.csv')).toBeUndefined();
      expect(await storage.read('audit_log_export_failed.csv')).toBeUndefined();
      expect(await options.listLeftovers()).toEqual([]);
    });

    it('deletes what an interrupted write of the key left, and that write then fails instead of appearing', async () => {
      const storage = await options.makeStorage();
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const chunk = 'y'.repeat(1024 * 1024);
      const body = (async function* () {
        // Past one 5 MiB part: a multipart upload (or a partial file) exists while the body waits.
        for (let i = 0; i < 6; i++) yield chunk;
        await held;
        yield chunk;
      })();
      const writing = storage.write('audit_log_export_zombie.csv', body, { contentType: CONTENT_TYPE }).then(
        () => 'completed',
        () => 'failed',
      );
      const deadline = Date.now() + 30_000;
      while ((await options.listLeftovers()).length === 0) {
        if (Date.now() > deadline) throw new Error('the write left no trace while under way');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await storage.delete('audit_log_export_zombie.csv');
      expect(await options.listLeftovers()).toEqual([]);
      release();
      expect(await writing).toBe('failed');
      expect(await storage.stat('audit_log_export_zombie.csv')).toBeUndefined();
      expect(await options.listLeftovers()).toEqual([]);
    });

    it('lists unfinished writes page by page, never serves one, and deletes one without touching the finished object of its key', async () => {
      const storage = await options.makeStorage();
      const { listUnfinished, deleteUnfinished } = storage;
      if (!listUnfinished || !deleteUnfinished) throw new Error('the storage lists no unfinished writes');
      const list = (after?: string) =>
        listUnfinished.call(storage, { limit: 1, ...(after === undefined ? {} : { after }) });
      const finished = Buffer.from('finished\r\n');
      await storage.write('audit_log_export_u.csv', chunksOf([finished]), { contentType: CONTENT_TYPE });
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const chunk = 'z'.repeat(1024 * 1024);
      const heldWrite = (key: string) =>
        storage
          .write(
            key,
            (async function* () {
              // Past one 5 MiB part: a multipart upload (or a partial file) exists while the body waits.
              for (let i = 0; i < 6; i++) yield chunk;
              await held;
              yield chunk;
            })(),
            { contentType: CONTENT_TYPE },
          )
          .then(
            () => 'completed',
            () => 'failed',
          );
      // A second write of a finished key (a writer that died, say), and a write of a new key.
      const rewriting = heldWrite('audit_log_export_u.csv');
      const writing = heldWrite('audit_log_export_v.csv');
      const deadline = Date.now() + 30_000;
      while ((await listUnfinished.call(storage, { limit: 10 })).writes.length < 2) {
        if (Date.now() > deadline) throw new Error('the writes left no trace while under way');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const first = await list();
      expect(first.writes).toHaveLength(1);
      expect(first.next).toBeDefined();
      const second = await list(first.next);
      expect(second.writes).toHaveLength(1);
      const writes = [...first.writes, ...second.writes];
      expect(writes.map((write) => write.key).sort()).toEqual([
        'audit_log_export_u.csv',
        'audit_log_export_v.csv',
      ]);
      if (second.next !== undefined) expect((await list(second.next)).writes).toEqual([]);
      // Never served: the key shows its finished object, or nothing.
      expect(await storage.stat('audit_log_export_u.csv')).toEqual({ size: finished.byteLength });
      expect((await readAll(storage, 'audit_log_export_u.csv')).equals(finished)).toBe(true);
      expect(await storage.stat('audit_log_export_v.csv')).toBeUndefined();
      expect(await storage.read('audit_log_export_v.csv')).toBeUndefined();

      const rewrite = writes.find((write) => write.key === 'audit_log_export_u.csv');
      if (!rewrite) throw new Error('unreachable');
      await deleteUnfinished.call(storage, rewrite);
      await deleteUnfinished.call(storage, rewrite);
      // An id that is not an unfinished write of the key removes nothing.
      await deleteUnfinished
        .call(storage, { key: 'audit_log_export_u.csv', id: 'audit_log_export_u.csv' })
        .catch(() => undefined);
      expect(await storage.stat('audit_log_export_u.csv')).toEqual({ size: finished.byteLength });
      expect((await listUnfinished.call(storage, { limit: 10 })).writes.map((write) => write.key)).toEqual([
        'audit_log_export_v.csv',
      ]);
      release();
      expect(await rewriting).toBe('failed');
      expect(await writing).toBe('completed');
      expect((await readAll(storage, 'audit_log_export_u.csv')).equals(finished)).toBe(true);
      expect(await storage.stat('audit_log_export_v.csv')).toEqual({ size: 7 * chunk.length });
      expect((await listUnfinished.call(storage, { limit: 10 })).writes).toEqual([]);
      expect(await options.listLeftovers()).toEqual(['audit_log_export_u.csv', 'audit_log_export_v.csv']);
    });

    it('reports a missing object as missing, and deleting it twice is fine', async () => {
      const storage = await options.makeStorage();
      expect(await storage.stat('audit_log_export_none.csv')).toBeUndefined();
      expect(await storage.read('audit_log_export_none.csv')).toBeUndefined();
      await storage.write('audit_log_export_del.csv', chunksOf(['a\r\n']), { contentType: CONTENT_TYPE });
      await storage.delete('audit_log_export_del.csv');
      await storage.delete('audit_log_export_del.csv');
      expect(await storage.stat('audit_log_export_del.csv')).toBeUndefined();
      expect(await options.listLeftovers()).toEqual([]);
    });

    it('refuses keys that could reach outside its directory or prefix', async () => {
      const storage = await options.makeStorage();
      for (const key of [
        '../escape.csv',
        'a/b.csv',
        '/abs.csv',
        '',
        '..',
        'a\0.csv',
        'a\\b.csv',
        '.hidden',
      ]) {
        await expect(
          (async () => storage.write(key, chunksOf(['x']), { contentType: CONTENT_TYPE }))(),
        ).rejects.toMatchObject({ code: 'invalid_request' });
        await expect((async () => storage.read(key))()).rejects.toMatchObject({ code: 'invalid_request' });
      }
      expect(await options.listLeftovers()).toEqual([]);
    });

    it('signs URLs that serve the object to a plain GET until they expire, when it signs at all', async () => {
      const storage = await options.makeStorage();
      if (!storage.signedUrl) {
        expect(storage.localPath?.('audit_log_export_x.csv')).toMatch(/audit_log_export_x\.csv$/);
        return;
      }
      await storage.write('audit_log_export_signed.csv', chunksOf(['id\r\n1\r\n']), {
        contentType: CONTENT_TYPE,
      });
      const url = await storage.signedUrl('audit_log_export_signed.csv', {
        expiresInSeconds: 60,
        filename: 'audit_log_export_signed.csv',
        contentType: CONTENT_TYPE,
      });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('id\r\n1\r\n');
      expect(response.headers.get('content-type')).toBe(CONTENT_TYPE);
      expect(response.headers.get('content-disposition')).toBe(
        'attachment; filename="audit_log_export_signed.csv"',
      );
      // The signature covers the key: the same query string does not open another object.
      const other = new URL(url);
      other.pathname = other.pathname.replace('signed', 'other');
      expect((await fetch(other)).status).toBe(403);
      // A link that has expired is refused.
      const shortLived = await storage.signedUrl('audit_log_export_signed.csv', {
        expiresInSeconds: 1,
        filename: 'a.csv',
        contentType: CONTENT_TYPE,
      });
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expect((await fetch(shortLived)).status).toBe(403);
    });

    if (options.makeBrokenStorage) {
      const makeBroken = options.makeBrokenStorage;
      it('rejects when its service refuses, instead of reporting the object as missing', async () => {
        const storage = await makeBroken();
        await expect(storage.stat('audit_log_export_1.csv')).rejects.toThrow();
        await expect(storage.read('audit_log_export_1.csv')).rejects.toThrow();
        await expect(
          storage.write('audit_log_export_1.csv', chunksOf(['x']), { contentType: CONTENT_TYPE }),
        ).rejects.toThrow();
      });
    }
  });
}
