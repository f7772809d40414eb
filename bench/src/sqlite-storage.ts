// What SQLite itself costs for the rows AuditKit writes, without AuditKit's code: the same rows,
// as AuditKit stored them, inserted straight through better-sqlite3 (one prepared single-row
// statement per row, 1,000 rows per transaction, WAL, synchronous FULL) into
//   - AuditKit's events table with all its indexes, the connection set as AuditKit sets it
//     (wal_autocheckpoint = 4000),
//   - the same at SQLite's default wal_autocheckpoint (1,000 pages),
//   - the same in a file of 8 KiB pages (tried; SQLite's default 4 KiB is kept),
//   - the same without the (organization_id, actor_id, occurred_at) index,
//   - the batched-ingest baseline's bare table (its 15 columns, primary key, key and time index),
//     as the baseline opens it (SQLite's defaults), and the same with wal_autocheckpoint = 4000.
// The variants are alternated `rounds` times; medians are printed, as ratios to the baseline's
// bare table.
//   cd bench && node --import tsx src/sqlite-storage.ts [events=100000] [rounds=3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import Database from 'better-sqlite3';
import { benchEvent, declareBenchSchemas, organizationOf } from './events.js';
import { summarize } from './stats.js';
import { RAW_COLUMNS } from './target.js';
import { RAW_SQLITE_SCHEMA } from './targets/sqlite.js';

const [events = 100_000, rounds = 3] = process.argv.slice(2).map(Number);
const directory = mkdtempSync(join(tmpdir(), 'auditkit-sqlite-storage-'));
let files = 0;

/**
 * A fresh file with AuditKit's migrated schema: with the page size AuditKit gives a new file, or
 * with `pageSize`, set before AuditKit opens it (a file that has pages keeps its page size).
 */
async function auditKitFile(pageSize?: number): Promise<string> {
  const filename = join(directory, `auditkit-${files++}.db`);
  if (pageSize !== undefined) {
    const created = new Database(filename);
    created.pragma(`page_size = ${pageSize}`);
    created.pragma('journal_mode = WAL');
    created.close();
  }
  const auditLog = await createAuditLog({ store: sqliteStore({ filename, synchronous: 'normal' }) });
  await declareBenchSchemas(auditLog);
  await auditLog.close();
  return filename;
}

// The rows, as AuditKit's batched ingest stored them (batches of 1,000 rotating organizations).
const source = await auditKitFile();
{
  const auditLog = await createAuditLog({ store: sqliteStore({ filename: source, synchronous: 'normal' }) });
  for (let b = 0; b * 1000 < events; b++) {
    const items = Array.from({ length: 1000 }, (_, i) => ({
      event: benchEvent(b * 1000 + i),
      idempotencyKey: `key-${b}-${i}`,
    }));
    await auditLog.createEvents(organizationOf(b), items);
  }
  await auditLog.close();
}
const reader = new Database(source, { readonly: true });
const rows = reader.prepare('select * from auditkit_events order by rowid').all() as Record<
  string,
  unknown
>[];
reader.close();
const auditKitColumns = Object.keys(rows[0] ?? {});
const rawColumns = RAW_COLUMNS.split(', ');

interface Variant {
  name: string;
  open(): Promise<{ db: Database.Database; table: string; columns: string[] }>;
}

/** As the SQLite store sets its connection (`WAL_AUTOCHECKPOINT_PAGES` in sqlite-store.ts). */
const AUDITKIT_AUTOCHECKPOINT = 4000;

/** AuditKit's table in a fresh file, the connection's `wal_autocheckpoint` at `checkpointPages`. */
function auditKitTable(
  checkpointPages: number,
  { pageSize, withoutActorIndex = false }: { pageSize?: number; withoutActorIndex?: boolean } = {},
): Variant['open'] {
  return async () => {
    const db = new Database(await auditKitFile(pageSize));
    db.pragma(`wal_autocheckpoint = ${checkpointPages}`);
    if (withoutActorIndex) db.exec('drop index auditkit_events_org_actor_time');
    return { db, table: 'auditkit_events', columns: auditKitColumns };
  };
}

/** The baseline's bare table in a fresh file, with SQLite's defaults unless `checkpointPages`. */
function bareTable(checkpointPages?: number): Variant['open'] {
  return async () => {
    const db = new Database(join(directory, `raw-${files++}.db`));
    db.pragma('journal_mode = WAL');
    if (checkpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${checkpointPages}`);
    db.exec(RAW_SQLITE_SCHEMA);
    return { db, table: 'events', columns: rawColumns };
  };
}

const BARE = "the baseline's bare table (SQLite's defaults)";
const variants: Variant[] = [
  {
    name: "AuditKit's table and indexes (wal_autocheckpoint 4,000, as AuditKit opens a file)",
    open: auditKitTable(AUDITKIT_AUTOCHECKPOINT),
  },
  { name: "the same at SQLite's default wal_autocheckpoint (1,000)", open: auditKitTable(1000) },
  { name: 'the same with 8 KiB pages', open: auditKitTable(AUDITKIT_AUTOCHECKPOINT, { pageSize: 8192 }) },
  {
    name: 'the same without (organization_id, actor_id, occurred_at)',
    open: auditKitTable(AUDITKIT_AUTOCHECKPOINT, { withoutActorIndex: true }),
  },
  { name: BARE, open: bareTable() },
  {
    name: "the baseline's bare table with wal_autocheckpoint 4,000",
    open: bareTable(AUDITKIT_AUTOCHECKPOINT),
  },
];

const measured = new Map(variants.map((variant) => [variant.name, [] as number[][]]));
for (let round = 0; round < rounds; round++) {
  for (const variant of variants) {
    const { db, table, columns } = await variant.open();
    db.pragma('synchronous = FULL');
    const insert = db.prepare(
      `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
    );
    const begin = db.prepare('begin');
    const commit = db.prepare('commit');
    let inserting = 0;
    let committing = 0;
    const started = performance.now();
    for (let offset = 0; offset < rows.length; offset += 1000) {
      const insertStarted = performance.now();
      begin.run();
      for (const row of rows.slice(offset, offset + 1000)) insert.run(columns.map((column) => row[column]));
      const commitStarted = performance.now();
      commit.run();
      inserting += commitStarted - insertStarted;
      committing += performance.now() - commitStarted;
    }
    const seconds = (performance.now() - started) / 1000;
    db.close();
    measured
      .get(variant.name)
      ?.push([rows.length / seconds, (inserting * 1000) / rows.length, (committing * 1000) / rows.length]);
  }
}

const median = (values: number[]) => summarize(values).median;
const rawRate = median((measured.get(BARE) ?? []).map(([rate]) => rate ?? 0));
console.log(`${rows.length.toLocaleString('en-US')} rows, median of ${rounds} alternated rounds`);
for (const [name, runs] of measured) {
  const rate = median(runs.map(([value]) => value ?? 0));
  const inserting = median(runs.map(([, value]) => value ?? 0));
  const committing = median(runs.map(([, , value]) => value ?? 0));
  console.log(
    `${name}: ${Math.round(rate).toLocaleString('en-US')} rows/s (${(rate / rawRate).toFixed(2)}× bare), ` +
      `insert ${inserting.toFixed(1)} µs + commit ${committing.toFixed(1)} µs per row`,
  );
}
rmSync(directory, { recursive: true, force: true });
