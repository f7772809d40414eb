import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SqliteSynchronous, sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import Database from 'better-sqlite3';
import { csvCell, RAW_CSV_HEADER } from '../raw-csv.js';
import {
  type BenchTarget,
  RAW_COLUMNS,
  type RawDriver,
  type RawRow,
  rawValues,
  unsequenced,
} from '../target.js';

/** The baseline's table: the event columns, a primary key, the key and the time index. */
export const RAW_SQLITE_SCHEMA = `create table events (id text primary key, organization_id text not null, idempotency_key text not null,
  action text not null, version integer not null, occurred_at integer not null, received_at integer not null,
  actor_type text not null, actor_id text not null, actor_name text, actor_metadata text, targets text not null,
  context_location text not null, context_user_agent text, metadata text);
  create unique index events_key on events (organization_id, idempotency_key);
  create index events_time on events (organization_id, occurred_at, id);`;

const values = (row: RawRow) => rawValues(row, (date) => date.getTime());

/**
 * SQLite files in WAL mode. `synchronous` is set the same on both sides: `full` (AuditKit's
 * default, a sync per commit, durable) or `normal` (the `sqlite-normal` target: syncs only at
 * checkpoints, faster, loses acknowledged writes on a power loss).
 */
export function sqliteTarget(synchronous: SqliteSynchronous = 'full'): BenchTarget {
  const directory = mkdtempSync(join(tmpdir(), 'auditkit-bench-sqlite-'));
  let files = 0;
  return {
    name: synchronous === 'full' ? 'sqlite' : 'sqlite-normal',
    exportModes: ['auditkit', 'raw-keyset'],
    exportStorageModes: synchronous === 'full',
    // Exports only read; `synchronous` governs commits.
    ingestOnly: synchronous !== 'full',
    async freshAuditLog(options = {}) {
      const location = join(directory, `auditkit-${files++}.db`);
      const store = sqliteStore({ filename: location, synchronous });
      return { auditLog: await createAuditLog({ ...options, store }), location };
    },
    async freshUnsequencedAuditLog(options = {}) {
      const location = join(directory, `auditkit-${files++}.db`);
      const store = unsequenced(sqliteStore({ filename: location, synchronous }));
      const auditLog = await createAuditLog({ ...options, store });
      // The schema before 0004_event_sequence: no (organization, position) index to maintain
      // (SQLite added the sequence columns nullable).
      const db = new Database(location);
      db.exec('drop index auditkit_events_sequence');
      db.close();
      return { auditLog, location };
    },
    // Loading is not what is measured: `synchronous = normal` (no sync per commit) loads the
    // million events several times faster. With BENCH_DATA_DIR set, the loaded file is kept there
    // and the next run with the same counts reads it instead of loading again.
    async exportData(key) {
      const keep = process.env.BENCH_DATA_DIR;
      if (keep) mkdirSync(keep, { recursive: true });
      const location = keep
        ? join(keep, `sqlite-export-${key}.db`)
        : join(directory, `auditkit-${files++}.db`);
      const marker = `${location}.loaded`;
      const loaded = async () => {
        if (keep) writeFileSync(marker, new Date().toISOString());
      };
      if (keep && existsSync(marker)) return { location, loaded };
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${location}${suffix}`, { force: true });
      const store = sqliteStore({ filename: location, synchronous: 'normal' });
      return { auditLog: await createAuditLog({ store }), location, loaded };
    },
    async freshRawDriver(): Promise<RawDriver> {
      const db = new Database(join(directory, `raw-${files++}.db`));
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
      db.exec(RAW_SQLITE_SCHEMA);
      const placeholders = `(${Array.from({ length: 15 }, () => '?').join(', ')})`;
      const insert = db.prepare(`insert into events (${RAW_COLUMNS}) values ${placeholders}`);
      const insertIgnoring = db.prepare(
        `insert into events (${RAW_COLUMNS}) values ${placeholders} on conflict do nothing`,
      );
      const insertAll = db.transaction((rows: RawRow[]) => {
        for (const row of rows) insert.run(values(row));
      });
      const insertAllIgnoring = db.transaction((rows: RawRow[]) => {
        for (const row of rows) insertIgnoring.run(values(row));
      });
      return {
        insertBatch: async (rows) => insertAll(rows),
        insertBatchIgnoringDuplicates: async (rows) => insertAllIgnoring(rows),
        insertOne: async (row) => {
          insert.run(values(row));
        },
        close: async () => {
          db.close();
        },
      };
    },
    async dispose() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Keyset scan of one organization's events straight from the driver, written as minimal CSV. */
export async function rawSqliteExport(
  location: string,
  organizationId: string,
  write: (chunk: string) => Promise<void>,
): Promise<number> {
  const db = new Database(location, { readonly: true });
  const page = db.prepare(
    `select * from auditkit_events where organization_id = ? and (occurred_at, id) > (?, ?) order by occurred_at, id limit 1000`,
  );
  let rows = 0;
  let after: [number, string] = [Number.MIN_SAFE_INTEGER, ''];
  await write(RAW_CSV_HEADER);
  for (;;) {
    const batch = page.all(organizationId, after[0], after[1]) as Record<string, string | number | null>[];
    if (batch.length === 0) break;
    let text = '';
    for (const r of batch) {
      text += `${r.id},${r.organization_id},${r.action},${r.version},${new Date(Number(r.occurred_at)).toISOString()},${r.actor_type},${r.actor_id},${csvCell(r.actor_name)},${csvCell(r.actor_metadata)},${csvCell(r.targets)},${r.context_location},${csvCell(r.context_user_agent)},${csvCell(r.metadata)},${new Date(Number(r.received_at)).toISOString()}\n`;
    }
    await write(text);
    rows += batch.length;
    const last = batch.at(-1) as Record<string, string | number>;
    after = [Number(last.occurred_at), String(last.id)];
  }
  db.close();
  return rows;
}
