import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { AuditLog, CreateAuditLogOptions } from '../audit-log.js';
import { CSV_COLUMNS } from '../export-format.js';
import type { ExportFile } from '../export-jobs.js';
import type { ExportStorage } from '../export-storage.js';
import type { AuditStore } from '../store.js';
import type { ConformanceContext } from './context.js';
import { declareSchemas, manyEvents, ORG_A, ORG_B } from './fixtures.js';

const RANGE = {
  rangeStart: new Date('2000-01-01T00:00:00.000Z'),
  rangeEnd: new Date('2100-01-01T00:00:00.000Z'),
};

/**
 * An export storage the export-file cases run on: a name for the test titles and a factory of
 * a fresh, empty storage (its own directory, bucket prefix…) per call.
 *
 * @example
 * ```ts
 * const s3: ExportStorageCase = { name: 's3', make: () => s3ExportStorage({ bucket, prefix: `t-${randomUUID()}/` }) };
 * ```
 */
export interface ExportStorageCase {
  name: string;
  make(): ExportStorage | Promise<ExportStorage>;
}

/**
 * The bytes of a ready export as a client gets them: through the signed URL (fetched with no
 * credentials) or the stream `openExport` returns. Throws when the export has no file.
 *
 * @example
 * ```ts
 * const text = await downloadExport(auditLog, job.id);
 * ```
 */
export async function downloadExport(log: AuditLog, id: string): Promise<string> {
  const file = await log.openExport(id);
  if (!file) throw new Error(`export ${id} has no file`);
  return readExportFile(file);
}

/**
 * The text of an {@link ExportFile}: a signed URL fetched with a plain GET, or the stream read.
 *
 * @example
 * ```ts
 * const file = await auditLog.openExport(id);
 * if (file) console.log(await readExportFile(file));
 * ```
 */
export async function readExportFile(file: ExportFile): Promise<string> {
  if (file.kind === 'url') {
    const response = await fetch(file.url);
    const text = await response.text();
    if (!response.ok) throw new Error(`GET of the signed URL answered ${response.status}: ${text}`);
    return text;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of file.body) chunks.push(Buffer.from(chunk as Uint8Array));
  const text = Buffer.concat(chunks).toString('utf8');
  expect(Buffer.byteLength(text)).toBe(file.size);
  return text;
}

function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, record_delimiter: ['\r\n', '\n', '\r'] }) as Record<string, string>[];
}

/** The export cases that write, read and delete files: run once per export storage. */
export function exportFileCases(
  context: ConformanceContext,
  storageCase: ExportStorageCase,
  canReopen: boolean,
): void {
  let storage: ExportStorage | undefined;
  let written: string[] = [];
  const open = async (options: Omit<CreateAuditLogOptions, 'store' | 'exportStorage'> = {}) => {
    written = [];
    storage = recordingKeys(await storageCase.make(), written);
    return context.open({ ...options, exportStorage: storage });
  };
  const openWrapped = async (
    wrap: (store: AuditStore) => AuditStore,
    options: Omit<CreateAuditLogOptions, 'store' | 'exportStorage'> = {},
  ) => {
    written = [];
    storage = recordingKeys(await storageCase.make(), written);
    return context.openWrapped(wrap, { ...options, exportStorage: storage });
  };
  const currentStorage = () => {
    if (!storage) throw new Error('open() first');
    return storage;
  };
  /** The key the export's file was written under (whatever naming core uses for it). */
  const keyOf = (exp: { id: string }) => {
    const key = written.findLast((candidate) => candidate.startsWith(`${exp.id}.`));
    if (key === undefined) throw new Error(`no file was written for ${exp.id}`);
    return key;
  };

  describe(`export files on ${storageCase.name} storage`, () => {
    it('produces an export file in the background that any store user can open', async () => {
      const log = await open();
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(30));
      await log.createEvents(ORG_B, manyEvents(5));
      const progress: number[] = [];
      const job = await log.createExport(
        { organizationId: ORG_A, ...RANGE, actions: ['user.signed_in'] },
        { onProgress: (rows) => progress.push(rows) },
      );
      expect(job).toMatchObject({ object: 'audit_log_export', state: 'pending' });
      expect(job.id).toMatch(/^audit_log_export_/);
      expect(job.url).toBeUndefined();
      const ready = await log.waitForExport(job.id, { timeoutMs: 30_000 });
      expect(ready).toMatchObject({ state: 'ready', rowCount: 10 });
      expect(progress.at(-1)).toBe(10);
      const rows = parseCsv(await downloadExport(log, job.id));
      expect(rows).toHaveLength(10);
      expect(rows.every((row) => row.action === 'user.signed_in' && row.organization_id === ORG_A)).toBe(
        true,
      );
      expect(await currentStorage().stat(keyOf(ready))).toBeDefined();

      const empty = await log.waitForExport(
        (await log.createExport({ organizationId: 'org_empty', ...RANGE })).id,
      );
      expect(empty).toMatchObject({ state: 'ready', rowCount: 0 });
      expect(await downloadExport(log, empty.id)).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
      const emptyNdjson = await log.waitForExport(
        (await log.createExport({ organizationId: 'org_empty', ...RANGE }, { format: 'ndjson' })).id,
      );
      expect(await downloadExport(log, emptyNdjson.id)).toBe('');
    });

    it("gives a ready export a url that serves its file: the storage's signed link, or file:// for a local file", async () => {
      const log = await open();
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(7));
      const ready = await log.waitForExport((await log.createExport({ organizationId: ORG_A, ...RANGE })).id);
      const file = await log.openExport(ready.id);
      if (!file) throw new Error('a ready export has a file');
      const local = currentStorage().localPath?.(keyOf(ready));
      if (local !== undefined) {
        expect(ready.path).toBe(local);
        expect(ready.url).toBe(new URL(`file://${local}`).href);
        expect(file.kind).toBe('stream');
      } else {
        expect(ready.path).toBeUndefined();
        expect(ready.url).toMatch(/^https?:\/\//);
        expect(file.kind).toBe('url');
        // The link in getExport works with a plain GET, no credentials.
        const response = await fetch(ready.url ?? '');
        expect(response.status).toBe(200);
        expect(parseCsv(await response.text())).toHaveLength(7);
        if (file.kind === 'url') {
          expect(file.expiresAt.getTime()).toBeGreaterThan(Date.now());
          const disposition = (await fetch(file.url)).headers.get('content-disposition');
          expect(disposition).toContain(`${ready.id}.csv`);
        }
      }
      expect(parseCsv(await readExportFile(file))).toHaveLength(7);
    });

    it('exports what the filters said when createExport was called, whatever the caller does to them after', async () => {
      const log = await open({ exportPageSize: 5 });
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(30));
      await log.createEvents(ORG_B, manyEvents(40));
      const filters = {
        organizationId: ORG_A,
        rangeStart: new Date('2000-01-01T00:00:00.000Z'),
        rangeEnd: new Date('2100-01-01T00:00:00.000Z'),
        actions: ['user.signed_in', 'user.signed_out'],
      };
      const job = await log.createExport(filters, { format: 'ndjson' });
      // The caller reuses its object for another organization, another range, other actions.
      filters.organizationId = ORG_B;
      filters.rangeStart.setTime(Date.parse('2024-01-01T00:10:00.000Z'));
      filters.rangeEnd.setTime(Date.parse('2024-01-01T00:20:00.000Z'));
      filters.actions.push('document.shared');

      const done = await log.waitForExport(job.id);
      expect(done).toMatchObject({ state: 'ready', organizationId: ORG_A, rowCount: 20 });
      const organizations = (await downloadExport(log, job.id))
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { organizationId: string }).organizationId);
      expect(organizations).toHaveLength(20);
      expect(new Set(organizations)).toEqual(new Set([ORG_A]));
      const stored = await context.lastStore().getExport(job.id);
      expect(JSON.parse(stored?.filters ?? '{}')).toEqual({
        organizationId: ORG_A,
        rangeStart: '2000-01-01T00:00:00.000Z',
        rangeEnd: '2100-01-01T00:00:00.000Z',
        actions: ['user.signed_in', 'user.signed_out'],
      });
    });

    it('stores the organization and format of an export as fields of its record, and finds the file by id and format', async () => {
      const log = await open();
      await declareSchemas(log);
      await log.createEvents(ORG_B, manyEvents(3));
      const job = await log.createExport({ organizationId: ORG_B, ...RANGE }, { format: 'ndjson' });
      expect(job).toMatchObject({ organizationId: ORG_B, format: 'ndjson' });
      await log.waitForExport(job.id);
      const store = context.lastStore();
      const stored = await store.getExport(job.id);
      expect(stored).toMatchObject({ organizationId: ORG_B, format: 'ndjson', state: 'ready' });
      // Neither is read back out of the filters text or the recorded location.
      if (!stored) throw new Error('the export record is missing');
      await store.updateExport({ ...stored, filters: '{}', path: '/elsewhere/renamed.csv' });
      expect(await log.getExport(job.id)).toMatchObject({ organizationId: ORG_B, format: 'ndjson' });
      expect((await downloadExport(log, job.id)).split('\n').filter(Boolean)).toHaveLength(3);
    });

    it('reports no file once the file is gone from the storage, and never a file of a pending export', async () => {
      const log = await open();
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(4));
      const ready = await log.waitForExport((await log.createExport({ organizationId: ORG_A, ...RANGE })).id);
      const file = await log.openExport(ready.id);
      expect(file).toBeDefined();
      if (file?.kind === 'stream') file.body.destroy();
      await currentStorage().delete(keyOf(ready));
      expect(await currentStorage().stat(keyOf(ready))).toBeUndefined();
      expect(await log.openExport(ready.id)).toBeUndefined();
      // Deleting what is already gone is fine.
      await currentStorage().delete(keyOf(ready));

      const now = new Date();
      await context.lastStore().insertExport({
        id: 'audit_log_export_pending_file',
        state: 'pending',
        organizationId: ORG_A,
        format: 'csv',
        filters: '{}',
        createdAt: now,
        updatedAt: now,
      });
      expect(await log.openExport('audit_log_export_pending_file')).toBeUndefined();
      await expect(log.openExport('audit_log_export_missing')).rejects.toMatchObject({ code: 'not_found' });
    });

    it("sweeps away what dead production attempts left unfinished, never a live attempt's write or an unknown export's", async () => {
      // The sweep runs under a lease: refused (as if another instance swept) until all is set up.
      let sweeps = false;
      const log = await openWrapped(
        (store) => gateLease(store, 'auditkit:export-expiry-sweep', () => sweeps),
        { exports: { expirySweepMs: 100 } },
      );
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(3));
      const ready = await log.waitForExport((await log.createExport({ organizationId: ORG_A, ...RANGE })).id);
      const readyKey = keyOf(ready);
      const readyText = await downloadExport(log, ready.id);
      const storage = currentStorage();
      const unfinished = async () => {
        if (!storage.listUnfinished) throw new Error('the storage lists no unfinished writes');
        return (await storage.listUnfinished({ limit: 100 })).writes.map((write) => write.key).sort();
      };
      const store = context.lastStore();
      // A pending export whose producer is alive (holds its lease) and writes under its token.
      const pendingId = 'audit_log_export_sweep_pending';
      const alive = await store.acquireLease({
        name: `auditkit:export:${pendingId}`,
        holder: 'alive',
        ttlMs: 60_000,
      });
      const token = alive?.token ?? 1;
      const now = new Date();
      await store.insertExport({
        id: pendingId,
        state: 'pending',
        organizationId: ORG_A,
        format: 'csv',
        filters: JSON.stringify({ organizationId: ORG_A, ...RANGE }),
        createdAt: now,
        updatedAt: now,
        leaseToken: token,
      });
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const chunk = 'w'.repeat(1024 * 1024);
      const heldWrite = (key: string) =>
        storage
          .write(
            key,
            (async function* () {
              // Past one 5 MiB part: a multipart upload (or a partial file) exists while it waits.
              for (let i = 0; i < 6; i++) yield chunk;
              await held;
              yield chunk;
            })(),
            { contentType: 'text/csv' },
          )
          .then(
            () => 'completed',
            () => 'failed',
          );
      const live = `${pendingId}.${token}.csv`;
      const fenced = `${pendingId}.${token - 1}.csv`;
      const writes = {
        // Dead: attempts at an export that is ready (one under the finished file's own key).
        [readyKey]: heldWrite(readyKey),
        [`${ready.id}.9.csv`]: heldWrite(`${ready.id}.9.csv`),
        // Dead: a takeover attempt whose token the pending record no longer names.
        [fenced]: heldWrite(fenced),
        // Alive: the attempt holding the record's token.
        [live]: heldWrite(live),
        // Not this database's export: another deployment may share the storage.
        'audit_log_export_elsewhere.csv': heldWrite('audit_log_export_elsewhere.csv'),
      };
      const all = Object.keys(writes).sort();
      const kept = [live, 'audit_log_export_elsewhere.csv'].sort();
      const waitFor = async (expected: string[], what: string) => {
        const deadline = Date.now() + 30_000;
        while (JSON.stringify(await unfinished()) !== JSON.stringify(expected)) {
          if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(await unfinished())}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      await waitFor(all, 'the writes left no trace while under way');
      // Never served meanwhile: the ready export's download is its finished file.
      expect(await downloadExport(log, ready.id)).toBe(readyText);
      sweeps = true;
      await waitFor(kept, 'the dead writes were never swept');
      // More sweeps leave the live write and the unknown one alone.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await unfinished()).toEqual(kept);
      release();
      expect(await writes[readyKey]).toBe('failed');
      expect(await writes[`${ready.id}.9.csv`]).toBe('failed');
      expect(await writes[fenced]).toBe('failed');
      expect(await writes[live]).toBe('completed');
      expect(await writes['audit_log_export_elsewhere.csv']).toBe('completed');
      // The finished file was never touched, and is what a download serves.
      expect(await downloadExport(log, ready.id)).toBe(readyText);
      expect(await storage.stat(`${ready.id}.9.csv`)).toBeUndefined();
      expect(await unfinished()).toEqual([]);
      await store.releaseLease(`auditkit:export:${pendingId}`, 'alive');
    });

    // Only a store that can be opened twice (persistent, or a shared connection) has a second user.
    if (canReopen) {
      it('lets another audit log on the same database and storage open an export it did not produce', async () => {
        if (!context.reopen) throw new Error('the context has no reopen()');
        const log = await open();
        await declareSchemas(log);
        await log.createEvents(ORG_A, manyEvents(12));
        const ready = await log.waitForExport(
          (await log.createExport({ organizationId: ORG_A, ...RANGE })).id,
        );
        const other = await context.reopen({ exportStorage: currentStorage() });
        expect(await other.getExport(ready.id)).toMatchObject({ state: 'ready', rowCount: 12 });
        expect(parseCsv(await downloadExport(other, ready.id))).toHaveLength(12);
      });
    }
  });
}

/** The store, refusing the lease `name` (as if someone else held it) while `open()` says no. */
function gateLease(store: AuditStore, name: string, open: () => boolean): AuditStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'acquireLease') {
        return async (...args: Parameters<AuditStore['acquireLease']>) =>
          args[0].name === name && !open() ? undefined : target.acquireLease(...args);
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/** The storage, noting every key written through it in `keys`. */
function recordingKeys(storage: ExportStorage, keys: string[]): ExportStorage {
  return new Proxy(storage, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === 'write') {
        return (key: string, ...rest: [AsyncIterable<string | Uint8Array>, { contentType: string }]) => {
          keys.push(key);
          return target.write(key, ...rest);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
