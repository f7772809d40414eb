import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { postgresStore } from '@auditkit/adapter-postgres';
import { createAuditLog } from '@auditkit/core';
import pg from 'pg';
import { csvCell, RAW_CSV_HEADER } from '../raw-csv.js';
import {
  type BenchTarget,
  RAW_COLUMNS,
  type RawDriver,
  type RawRow,
  rawValues,
  unsequenced,
} from '../target.js';

const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Another name (BENCH_PG_DATABASE) keeps runs of several checkouts on one server apart.
const DATABASE = process.env.BENCH_PG_DATABASE ?? 'auditkit_bench';

export function benchDatabaseUrl(): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

const values = (row: RawRow) => rawValues(row, (date) => date);

function multiRowInsert(table: string, rows: RawRow[], suffix = ''): { text: string; values: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const start = params.length;
    params.push(...values(row));
    return `(${Array.from({ length: 15 }, (_, i) => `$${start + i + 1}`).join(', ')})`;
  });
  return {
    text: `insert into ${table} (${RAW_COLUMNS}) values ${tuples.join(', ')}${suffix}`,
    values: params,
  };
}

/** PostgreSQL through pg: a fresh database for the run, a fresh schema per measurement. */
export async function postgresTarget(): Promise<BenchTarget> {
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${DATABASE} with (force)`);
  await admin.query(`create database ${DATABASE}`);
  await admin.end();
  const url = benchDatabaseUrl();
  // pg's default pool size, as AuditKit's own pool has: the concurrent baselines use it all.
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  let schemas = 0;
  return {
    name: 'postgres',
    exportModes: ['auditkit', 'raw-keyset', 'copy'],
    async freshAuditLog(options = {}) {
      const schema = `bench_${schemas++}`;
      return {
        auditLog: await createAuditLog({ ...options, store: postgresStore({ url, schema }) }),
        location: schema,
      };
    },
    async freshUnsequencedAuditLog(options = {}) {
      const schema = `bench_${schemas++}`;
      const store = unsequenced(postgresStore({ url, schema }));
      const auditLog = await createAuditLog({ ...options, store });
      // The schema before 0004_event_sequence: no (organization, position) index to maintain,
      // and the sequence columns nullable again.
      await pool.query(`alter table ${schema}.auditkit_events alter column position drop not null,
        alter column hash drop not null, alter column previous_hash drop not null;
        drop index ${schema}.auditkit_events_sequence`);
      return { auditLog, location: schema };
    },
    async freshRawDriver(): Promise<RawDriver> {
      const table = `raw_${schemas++}.events`;
      await pool.query(`create schema ${table.split('.')[0]}`);
      await pool.query(`create table ${table} (id text primary key, organization_id text not null, idempotency_key text not null,
        action text not null, version integer not null, occurred_at timestamptz not null, received_at timestamptz not null,
        actor_type text not null, actor_id text not null, actor_name text, actor_metadata jsonb, targets jsonb not null,
        context_location text not null, context_user_agent text, metadata jsonb);
        create unique index on ${table} (organization_id, idempotency_key);
        create index on ${table} (organization_id, occurred_at, id);`);
      return {
        insertBatch: async (rows) => {
          await pool.query(multiRowInsert(table, rows));
        },
        insertBatchIgnoringDuplicates: async (rows) => {
          await pool.query(multiRowInsert(table, rows, ' on conflict do nothing'));
        },
        insertOne: async (row) => {
          await pool.query(multiRowInsert(table, [row]));
        },
        close: async () => {},
      };
    },
    // Freshly loaded, the table has no planner statistics yet; without them Postgres read each
    // keyset page through another index and sorted the organization's remaining rows (EXPLAIN
    // ANALYZE: 120 ms for a 1,000-row page of a 50,000-event organization, against 0.4 ms for
    // 100 rows with statistics). Autovacuum analyzes such a table within a minute or so; the
    // benchmark does it at once, for AuditKit and the baselines alike.
    async afterExportLoad(schema) {
      // VACUUM as well as ANALYZE, then a CHECKPOINT: the first scan of freshly loaded rows sets
      // their hint bits and dirties every page, and the checkpointer then writes the load's pages
      // out; either would slow whichever export mode happens to run first (AuditKit's).
      await pool.query(`vacuum analyze ${schema}.auditkit_events`);
      await pool.query('checkpoint');
    },
    async dispose() {
      await pool.end();
    },
  };
}

/** Keyset scan of one organization's events with pg, written as minimal CSV. */
export async function rawPostgresExport(
  schema: string,
  organizationId: string,
  write: (chunk: string) => Promise<void>,
): Promise<number> {
  const client = new pg.Client({ connectionString: benchDatabaseUrl() });
  await client.connect();
  await write(RAW_CSV_HEADER);
  let rows = 0;
  let after: [Date, string] = [new Date(0), ''];
  for (;;) {
    const { rows: batch } = await client.query(
      `select id, organization_id, action, version, occurred_at, actor_type, actor_id, actor_name, actor_metadata::text, targets::text,
         context_location, context_user_agent, metadata::text, received_at
       from ${schema}.auditkit_events where organization_id = $1 and (occurred_at, id) > ($2, $3) order by occurred_at, id limit 1000`,
      [organizationId, after[0], after[1]],
    );
    if (batch.length === 0) break;
    let text = '';
    for (const r of batch) {
      text += `${r.id},${r.organization_id},${r.action},${r.version},${r.occurred_at.toISOString()},${r.actor_type},${r.actor_id},${csvCell(r.actor_name)},${csvCell(r.actor_metadata)},${csvCell(r.targets)},${r.context_location},${csvCell(r.context_user_agent)},${csvCell(r.metadata)},${r.received_at.toISOString()}\n`;
    }
    await write(text);
    rows += batch.length;
    const last = batch.at(-1);
    after = [last.occurred_at, last.id];
  }
  await client.end();
  return rows;
}

/** `COPY (SELECT …) TO STDOUT WITH CSV` through psql: the server's own CSV writer. */
export async function copyPostgresExport(
  schema: string,
  organizationId: string,
  write: (chunk: string) => Promise<void>,
): Promise<number> {
  const query = `copy (select id, organization_id, action, version, occurred_at, actor_type, actor_id, actor_name, actor_metadata, targets,
    context_location, context_user_agent, metadata, received_at from ${schema}.auditkit_events
    where organization_id = '${organizationId.replaceAll("'", "''")}' order by occurred_at, id) to stdout with csv header`;
  const psql = spawn('psql', [benchDatabaseUrl(), '-X', '-q', '-c', query], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Listen for the exit before reading: it can come before the last chunk is consumed.
  const closed = once(psql, 'close');
  let lines = 0;
  psql.stdout.setEncoding('utf8');
  for await (const chunk of psql.stdout) {
    lines += (chunk as string).split('\n').length - 1;
    await write(chunk as string);
  }
  const [code] = await closed;
  if (code !== 0) throw new Error(`psql exited with ${code}`);
  return lines - 1;
}
