import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../audit-log.js';
import type { CreateAuditLogEventInput } from '../event-model.js';
import { type ExportStorage, filesystemExportStorage } from '../export-storage.js';
import type { MetadataValue } from '../metadata.js';
import type { AuditStore } from '../store.js';
import { declareSchemas, manyEvents, ORG_A, ORG_B } from './fixtures.js';
import { runTypeScriptProcess, startTypeScriptProcess } from './processes.js';

/**
 * An export storage the takeover test runs on, as the test process sees it: how the worker
 * processes open the same storage, and what is in it (looked at below the storage's own API).
 *
 * @example
 * ```ts
 * const storage: TakeoverStorage = {
 *   arg: `s3:${prefix}`,
 *   listObjects: () => listKeys(prefix),
 *   listUnfinished: () => listUploads(prefix),
 *   eventBytes: 2500,
 *   killAfterRows: 2400,
 * };
 * ```
 */
export interface TakeoverStorage {
  /**
   * What the workers are given to open the same storage: `<scheme>:<rest>`. `filesystem:<dir>`
   * is understood by every worker; other schemes by the worker's `openStorage`.
   */
  arg: string;
  /** Keys of the finished objects in the storage. */
  listObjects(): Promise<string[]>;
  /** What unfinished writes left in the storage (partial files, multipart uploads), one entry each. */
  listUnfinished(): Promise<string[]>;
  /** Each event is padded with metadata to about this many bytes of CSV. Default: unpadded (~300). */
  eventBytes?: number;
  /**
   * Instance A stops reading after this many rows and is killed once they are written and an
   * unfinished write shows in the storage (S3: past one 5 MiB part, so a multipart upload is under
   * way). Default 100.
   */
  killAfterRows?: number;
}

/** How {@link runExportTakeoverProcesses} reaches the store from other OS processes. */
export interface ExportTakeoverOptions {
  /** A script that calls `runExportTakeoverWorker(openStore)`. */
  workerScript: string;
  /** A new, empty database location (file, schema, database name) the workers and the test share. */
  freshLocation(): string | Promise<string>;
  /** Opens the store at a location, in the test process. */
  openStore(location: string): AuditStore;
  /** Events of the organization in the export; default 3000. */
  events?: number;
  /**
   * Export storages the test runs on besides the filesystem (a fresh directory), by name: each a
   * factory of a fresh, empty one, e.g. `{ s3: () => s3TakeoverStorage() }`.
   */
  storages?: Record<string, () => TakeoverStorage | Promise<TakeoverStorage>>;
  /** Events of the organization on the extra storages; default `events`. */
  storageEvents?: Record<string, number>;
}

const RANGE = {
  rangeStart: new Date('2000-01-01T00:00:00.000Z'),
  rangeEnd: new Date('2100-01-01T00:00:00.000Z'),
};
/** Short, so that the test waits seconds, not the default 30. */
const TAKEOVER_MS = 2_000;
/** The most a metadata value may hold (METADATA_LIMITS). */
const PAD_VALUE = 500;

/**
 * A store whose event reads stop for good once `afterRows` rows were read: an export on it
 * writes that much and then hangs, still holding its lease, until the process is killed. Its
 * streaming reads are left out, so every page goes through the counting `findEvents`.
 */
function stallAfter(store: AuditStore, afterRows: number): AuditStore {
  const { streamEvents: _streamed, streamExportCells: _cells, ...rest } = store;
  let read = 0;
  return {
    ...rest,
    open: () => store.open(),
    close: () => store.close(),
    findEvents: async (query) => {
      // A referenced timer keeps the process alive (the lease renewal's is unreferenced).
      if (read >= afterRows) await sleep(600_000);
      const page = await store.findEvents(query);
      read += page.length;
      return page;
    },
  } as AuditStore;
}

/**
 * The export storage a worker was told to open: `filesystem:<directory>`, or whatever the
 * worker's own `openStorage` understands.
 */
function storageOf(arg: string, openStorage?: (arg: string) => ExportStorage | undefined): ExportStorage {
  const own = openStorage?.(arg);
  if (own) return own;
  if (arg.startsWith('filesystem:')) return filesystemExportStorage({ directory: arg.slice(11) });
  throw new Error(`this worker cannot open the export storage ${JSON.stringify(arg)}`);
}

/**
 * The child-process side of {@link runExportTakeoverProcesses}, for one export per database and
 * storage it is given:
 * `produce (<location> <storage> <rows>)…` creates on each an export on a store whose reads stop
 * after `rows` rows, prints `{ n, id }` and then `{ n, rows }` per page written, and hangs there
 * until killed; `finish (<location> <storage> <id>)…` opens an audit log on each database and
 * storage and waits for its export (which it takes over), printing `{ n, ...export }`.
 * `<storage>` is `filesystem:<directory>` or a storage `openStorage` opens (e.g. `s3:<prefix>`).
 *
 * @example
 * ```ts
 * await runExportTakeoverWorker(
 *   (location) => sqliteStore({ filename: location }),
 *   (arg) => (arg.startsWith('s3:') ? s3ExportStorage({ bucket, prefix: arg.slice(3) }) : undefined),
 * );
 * ```
 */
export async function runExportTakeoverWorker(
  openStore: (location: string) => AuditStore,
  openStorage?: (arg: string) => ExportStorage | undefined,
): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  const jobs: { location: string; storage: ExportStorage; extra: string }[] = [];
  for (let at = 0; at + 2 < rest.length; at += 3) {
    const [location = '', storageArg = '', extra = ''] = rest.slice(at, at + 3);
    jobs.push({ location, storage: storageOf(storageArg, openStorage), extra });
  }
  if (jobs.length === 0 || rest.length % 3 !== 0) {
    throw new Error('usage: produce (<location> <storage> <rows>)… | finish (<location> <storage> <id>)…');
  }
  const exports = { takeoverAfterMs: TAKEOVER_MS };
  const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
  if (mode === 'produce') {
    await Promise.all(
      jobs.map(async ({ location, storage, extra }, n) => {
        const auditLog = await createAuditLog({
          store: stallAfter(openStore(location), Number(extra)),
          exportStorage: storage,
          exports,
          exportPageSize: 50,
        });
        const job = await auditLog.createExport(
          { organizationId: ORG_A, ...RANGE },
          { onProgress: (rows) => say({ n, rows }) },
        );
        say({ n, id: job.id });
        await auditLog.waitForExport(job.id, { timeoutMs: 600_000 });
        say({ n, finished: true });
      }),
    );
    return;
  }
  if (mode === 'finish') {
    await Promise.all(
      jobs.map(async ({ location, storage, extra }, n) => {
        const auditLog = await createAuditLog({
          store: openStore(location),
          exportStorage: storage,
          exports,
        });
        const started = Date.now();
        const done = await auditLog.waitForExport(extra, { timeoutMs: 120_000, intervalMs: 200 });
        say({ n, ...done, tookMs: Date.now() - started });
        await auditLog.close();
      }),
    );
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

/** A fresh directory as a {@link TakeoverStorage}. */
function filesystemTakeoverStorage(): TakeoverStorage {
  const directory = mkdtempSync(join(tmpdir(), 'auditkit-takeover-'));
  return {
    arg: `filesystem:${directory}`,
    listObjects: async () => readdirSync(directory).filter((name) => !name.endsWith('.partial')),
    listUnfinished: async () => readdirSync(directory).filter((name) => name.endsWith('.partial')),
  };
}

/** `n` events, each padded with metadata to about `bytes` bytes of CSV when `bytes` is set. */
function paddedEvents(n: number, start: number, bytes: number | undefined): CreateAuditLogEventInput[] {
  const events = manyEvents(n, start);
  if (bytes === undefined) return events;
  const pads = Math.max(1, Math.ceil((bytes - 300) / (PAD_VALUE + 12)));
  return events.map((event, index) => {
    const metadata: Record<string, MetadataValue> = { ...event.metadata };
    for (let pad = 0; pad < pads; pad++) {
      metadata[`pad_${pad}`] = `${index}-${pad}-`.padEnd(PAD_VALUE, 'x');
    }
    return { ...event, metadata };
  });
}

/** The finished export's bytes: its signed URL fetched with a plain GET, or its local file. */
async function download(done: { url?: string; path?: string }): Promise<string> {
  if (done.path !== undefined) return readFileSync(done.path, 'utf8');
  if (done.url === undefined) throw new Error('the ready export has neither a path nor a url');
  const response = await fetch(done.url);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET of the export's url answered ${response.status}: ${text}`);
  return text;
}

/** One storage's export in the test: its database, storage and the events it must hold. */
interface TakeoverCase {
  name: string;
  storage: TakeoverStorage;
  location: string;
  killAfterRows: number;
  eventIds: string[];
  id?: string;
  rows: number;
}

/**
 * An export survives the process producing it: instance A (its own OS process) creates an
 * export and is killed with SIGKILL while writing it; instance B (another process, same database
 * and export storage) takes it over once A's lease expires and produces it from scratch; the
 * file B marks ready parses and holds every matching event exactly once, and what A left
 * unfinished in the storage (a `.partial` file, an incomplete multipart upload) is gone.
 * Runs on the filesystem storage and on each of `storages` — one export each, with a database
 * of its own, all in the same two processes (starting a process costs seconds).
 *
 * @example
 * ```ts
 * runExportTakeoverProcesses({
 *   workerScript: fileURLToPath(new URL('./fixtures/export-takeover-worker.ts', import.meta.url)),
 *   freshLocation: () => join(mkdtempSync(join(tmpdir(), 'takeover-')), 'audit.db'),
 *   openStore: (filename) => sqliteStore({ filename }),
 *   storages: { s3: () => s3TakeoverStorage() },
 * });
 * ```
 */
export function runExportTakeoverProcesses(options: ExportTakeoverOptions): void {
  const storages: [string, () => TakeoverStorage | Promise<TakeoverStorage>][] = [
    ['filesystem', filesystemTakeoverStorage],
    ...Object.entries(options.storages ?? {}),
  ];
  const names = storages.map(([name]) => name).join(' and ');
  describe('export takeover across processes', () => {
    it(`finishes in process B the exports whose producer A was SIGKILLed mid-export (${names} storage): every event exactly once, A's leftovers gone`, async () => {
      const cases: TakeoverCase[] = [];
      for (const [name, makeStorage] of storages) {
        const count = options.storageEvents?.[name] ?? options.events ?? 3000;
        const storage = await makeStorage();
        const killAfterRows = storage.killAfterRows ?? 100;
        expect(killAfterRows).toBeLessThan(count);
        const location = await options.freshLocation();
        const seed = await createAuditLog({ store: options.openStore(location) });
        await declareSchemas(seed);
        const eventIds: string[] = [];
        for (let start = 0; start < count; start += 500) {
          const batch = paddedEvents(
            Math.min(500, count - start),
            Date.parse('2024-01-01') + start * 60_000,
            storage.eventBytes,
          );
          eventIds.push(...(await seed.createEvents(ORG_A, batch)).map((event) => event.id));
        }
        // Another organization's events must stay out of the file.
        await seed.createEvents(ORG_B, manyEvents(50));
        // Closed before A starts: an open audit log is an instance that takes exports over too,
        // and this one has another export storage.
        await seed.close();
        cases.push({ name, storage, location, killAfterRows, eventIds, rows: 0 });
      }

      const producer = startTypeScriptProcess(options.workerScript, [
        'produce',
        ...cases.flatMap((one) => [one.location, one.storage.arg, String(one.killAfterRows)]),
      ]);
      let stderr = '';
      producer.stderr.on('data', (data: Buffer) => {
        stderr += data.toString();
      });
      const ended = new Promise<NodeJS.Signals | null>((resolve) =>
        producer.on('close', (_, signal) => resolve(signal)),
      );
      await new Promise<void>((resolve, reject) => {
        let output = '';
        producer.stdout.on('data', (data: Buffer) => {
          output += data.toString();
          const lines = output.split('\n');
          output = lines.pop() ?? '';
          for (const line of lines.filter(Boolean)) {
            const message = JSON.parse(line) as { n: number; id?: string; rows?: number; finished?: boolean };
            const one = cases[message.n];
            if (!one) continue;
            if (message.id) one.id = message.id;
            if (message.rows !== undefined) one.rows = message.rows;
            if (message.finished)
              reject(new Error(`A finished its ${one.name} export before it could be killed`));
          }
          // A wrote what it will write into every storage and hangs there, holding its leases.
          if (cases.every((one) => one.id !== undefined && one.rows >= one.killAfterRows)) resolve();
        });
        producer.on('close', () => reject(new Error(`A exited early: ${stderr}`)));
      });
      // Killed mid-export once its unfinished writes show in the storages.
      const deadline = Date.now() + 60_000;
      for (const one of cases) {
        while ((await one.storage.listUnfinished()).length === 0) {
          if (Date.now() > deadline) throw new Error(`A left no unfinished write in ${one.name}: ${stderr}`);
          await sleep(50);
        }
      }
      producer.kill('SIGKILL');
      expect(await ended).toBe('SIGKILL');
      for (const one of cases) {
        expect(await one.storage.listObjects()).toEqual([]);
        expect((await one.storage.listUnfinished()).length).toBeGreaterThan(0);
        const probe = options.openStore(one.location);
        await probe.open();
        try {
          expect((await probe.getExport(one.id as string))?.state).toBe('pending');
        } finally {
          await probe.close();
        }
      }

      const finisher = await runTypeScriptProcess(
        options.workerScript,
        ['finish', ...cases.flatMap((one) => [one.location, one.storage.arg, one.id as string])],
        { timeoutMs: 180_000 },
      );
      expect(finisher.stderr).toBe('');
      expect(finisher.code).toBe(0);
      const finished = finisher.stdout
        .trim()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as {
              n: number;
              state: string;
              rowCount: number;
              path?: string;
              url?: string;
              tookMs: number;
            },
        );
      expect(finished.map((done) => done.n).sort()).toEqual(cases.map((_, n) => n));
      for (const done of finished) {
        const one = cases[done.n] as TakeoverCase;
        const count = one.eventIds.length;
        expect(done, one.name).toMatchObject({ state: 'ready', rowCount: count });
        const rows = parse(await download(done), { columns: true }) as {
          id: string;
          organization_id: string;
        }[];
        expect(rows).toHaveLength(count);
        expect(new Set(rows.map((row) => row.id)).size).toBe(count);
        expect(rows.map((row) => row.id).sort()).toEqual([...one.eventIds].sort());
        expect(rows.every((row) => row.organization_id === ORG_A)).toBe(true);
        // B's file is the only object, and what A left unfinished was removed when B took over.
        const objects = await one.storage.listObjects();
        expect(objects).toHaveLength(1);
        expect(objects[0]).toMatch(new RegExp(`^${one.id}\\.\\d+\\.csv$`));
        expect(await one.storage.listUnfinished()).toEqual([]);
        process.stdout.write(
          `export takeover (${probeName(options)}, ${one.name}): ${count} events, B finished ${done.tookMs} ms after it started\n`,
        );
      }
    }, 300_000);
  });
}

function probeName(options: ExportTakeoverOptions): string {
  return options.workerScript.split('/').slice(-4, -3)[0] ?? 'store';
}
