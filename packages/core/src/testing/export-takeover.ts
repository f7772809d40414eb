import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../audit-log.js';
import { filesystemExportStorage } from '../export-storage.js';
import type { AuditStore } from '../store.js';
import { declareSchemas, manyEvents, ORG_A, ORG_B } from './fixtures.js';
import { runTypeScriptProcess, startTypeScriptProcess } from './processes.js';

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
}

const RANGE = {
  rangeStart: new Date('2000-01-01T00:00:00.000Z'),
  rangeEnd: new Date('2100-01-01T00:00:00.000Z'),
};
/** Short, so that the test waits seconds, not the default 30. */
const TAKEOVER_MS = 2_000;
/** Each page A reads is held back this long, so A is still writing when it is killed. */
const SLOW_PAGE_MS = 40;

/** A store whose event reads each wait `delayMs`: an export on it takes a while. */
function slowReads(store: AuditStore, delayMs: number): AuditStore {
  const { streamEvents: _streamed, ...rest } = store;
  return {
    ...rest,
    open: () => store.open(),
    close: () => store.close(),
    findEvents: async (query) => {
      await sleep(delayMs);
      return store.findEvents(query);
    },
  } as AuditStore;
}

/**
 * The child-process side of {@link runExportTakeoverProcesses}:
 * `produce <location> <directory>` creates an export on a store whose reads are slowed down,
 * prints its id and then a line per progress step, and writes until it is killed;
 * `finish <location> <directory> <id>` opens the audit log on the same database and storage and
 * waits for the export (which it takes over), printing the finished export.
 *
 * @example
 * ```ts
 * await runExportTakeoverWorker((location) => sqliteStore({ filename: location }));
 * ```
 */
export async function runExportTakeoverWorker(openStore: (location: string) => AuditStore): Promise<void> {
  const [mode, location, directory, id] = process.argv.slice(2);
  if (location === undefined || directory === undefined)
    throw new Error('usage: produce|finish <location> <dir> [id]');
  const exportStorage = filesystemExportStorage({ directory });
  const exports = { takeoverAfterMs: TAKEOVER_MS };
  if (mode === 'produce') {
    const auditLog = await createAuditLog({
      store: slowReads(openStore(location), SLOW_PAGE_MS),
      exportStorage,
      exports,
      exportPageSize: 50,
    });
    const job = await auditLog.createExport(
      { organizationId: ORG_A, ...RANGE },
      { onProgress: (rows) => process.stdout.write(`${JSON.stringify({ rows })}\n`) },
    );
    process.stdout.write(`${JSON.stringify({ id: job.id })}\n`);
    await auditLog.waitForExport(job.id, { timeoutMs: 600_000 });
    process.stdout.write(`${JSON.stringify({ finished: true })}\n`);
    return;
  }
  if (mode === 'finish' && id !== undefined) {
    const auditLog = await createAuditLog({ store: openStore(location), exportStorage, exports });
    const started = Date.now();
    const done = await auditLog.waitForExport(id, { timeoutMs: 120_000, intervalMs: 200 });
    process.stdout.write(`${JSON.stringify({ ...done, tookMs: Date.now() - started })}\n`);
    await auditLog.close();
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

/**
 * An export survives the process producing it: instance A (its own OS process) creates an
 * export and is killed with SIGKILL while writing it; instance B (another process, same database
 * and export storage) takes it over once A's lease expires and produces it from scratch; the
 * file B marks ready parses and holds every matching event exactly once.
 *
 * @example
 * ```ts
 * runExportTakeoverProcesses({
 *   workerScript: fileURLToPath(new URL('./fixtures/export-takeover-worker.ts', import.meta.url)),
 *   freshLocation: () => join(mkdtempSync(join(tmpdir(), 'takeover-')), 'audit.db'),
 *   openStore: (filename) => sqliteStore({ filename }),
 * });
 * ```
 */
export function runExportTakeoverProcesses(options: ExportTakeoverOptions): void {
  const count = options.events ?? 3000;
  describe('export takeover across processes', () => {
    it('finishes in process B an export whose producer A was SIGKILLed mid-export: every event exactly once', async () => {
      const location = await options.freshLocation();
      const directory = mkdtempSync(join(tmpdir(), 'auditkit-takeover-'));
      const seed = await createAuditLog({ store: options.openStore(location) });
      await declareSchemas(seed);
      const events = [];
      for (let start = 0; start < count; start += 500) {
        const batch = manyEvents(Math.min(500, count - start), Date.parse('2024-01-01') + start * 60_000);
        events.push(...(await seed.createEvents(ORG_A, batch)));
      }
      // Another organization's events must stay out of the file.
      await seed.createEvents(ORG_B, manyEvents(50));
      // Closed before A starts: an open audit log is an instance that takes exports over too,
      // and this one has another export storage.
      await seed.close();

      const producer = startTypeScriptProcess(options.workerScript, ['produce', location, directory]);
      let output = '';
      let stderr = '';
      producer.stderr.on('data', (data: Buffer) => {
        stderr += data.toString();
      });
      const ended = new Promise<NodeJS.Signals | null>((resolve) =>
        producer.on('close', (_, signal) => resolve(signal)),
      );
      const id = await new Promise<string>((resolve, reject) => {
        let exportId: string | undefined;
        producer.stdout.on('data', (data: Buffer) => {
          output += data.toString();
          for (const line of output.split('\n').filter(Boolean)) {
            const message = JSON.parse(line) as { id?: string; rows?: number; finished?: boolean };
            if (message.id) exportId = message.id;
            if (message.finished) reject(new Error('A finished its export before it could be killed'));
            // Rows are in the file and more are coming: kill A mid-export.
            if (exportId && (message.rows ?? 0) >= 100) {
              producer.kill('SIGKILL');
              resolve(exportId);
              return;
            }
          }
        });
        producer.on('close', () => reject(new Error(`A exited early: ${stderr}`)));
      });
      expect(await ended).toBe('SIGKILL');
      const killedAt = Date.now();
      const probe = options.openStore(location);
      await probe.open();
      try {
        expect((await probe.getExport(id))?.state).toBe('pending');
      } finally {
        await probe.close();
      }

      const finisher = await runTypeScriptProcess(options.workerScript, ['finish', location, directory, id], {
        timeoutMs: 180_000,
      });
      expect(finisher.stderr).toBe('');
      expect(finisher.code).toBe(0);
      const done = JSON.parse(finisher.stdout.trim().split('\n').at(-1) as string) as {
        state: string;
        rowCount: number;
        path: string;
        tookMs: number;
      };
      expect(done).toMatchObject({ state: 'ready', rowCount: count });
      // Taken over no sooner than A's lease allowed, and not much later.
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(0);
      const rows = parse(readFileSync(done.path, 'utf8'), { columns: true }) as {
        id: string;
        organization_id: string;
      }[];
      expect(rows).toHaveLength(count);
      expect(new Set(rows.map((row) => row.id)).size).toBe(count);
      expect(rows.map((row) => row.id).sort()).toEqual(events.map((event) => event.id).sort());
      expect(rows.every((row) => row.organization_id === ORG_A)).toBe(true);
      // B wrote a file of its own; the only other thing A may have left is its unfinished
      // temporary file (never a finished export file under another name).
      const finished = readdirSync(directory).filter((name) => !name.endsWith('.partial'));
      expect(finished).toEqual([done.path.slice(directory.length + 1)]);
      process.stdout.write(
        `export takeover (${probeName(options)}): ${count} events, B finished ${done.tookMs} ms after it started\n`,
      );
    }, 300_000);
  });
}

function probeName(options: ExportTakeoverOptions): string {
  return options.workerScript.split('/').slice(-4, -3)[0] ?? 'store';
}
