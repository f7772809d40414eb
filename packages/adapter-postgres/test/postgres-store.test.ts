import { createServer } from 'node:net';
import { postgresStore } from '@auditkit/adapter-postgres';
import { type AuditKitError, createAuditLog } from '@auditkit/core';
import { declareSchemas, ORG_A, signInEvent } from '@auditkit/core/testing';
import { SQL_SCHEMAS, sqlMigrations } from '@auditkit/kysely-store';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';

const connectionString = inject('postgresUrl');
const pool = new pg.Pool({ connectionString, max: 4 });
afterAll(() => pool.end());

/** The test database's URL with another port, database name or query parameters. */
function urlWith(parts: { port?: number; database?: string; parameters?: Record<string, string> }): string {
  const url = new URL(connectionString);
  if (parts.port !== undefined) url.port = String(parts.port);
  if (parts.database !== undefined) url.pathname = `/${parts.database}`;
  for (const [name, value] of Object.entries(parts.parameters ?? {})) url.searchParams.set(name, value);
  return url.toString();
}

/** A local port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

async function storageError(promise: Promise<unknown>): Promise<AuditKitError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a storage_error, but the call succeeded');
    },
    (reason: unknown) => reason,
  );
  expect(error).toMatchObject({ name: 'AuditKitError', code: 'storage_error' });
  return error as AuditKitError;
}

describe('pool ownership', () => {
  it("never ends the application's pool", async () => {
    const appPool = new pg.Pool({ connectionString, max: 2 });
    try {
      const auditLog = await createAuditLog({ store: postgresStore({ pool: appPool, schema: 'app_pool' }) });
      await declareSchemas(auditLog);
      await auditLog.createEvent(ORG_A, signInEvent());
      await auditLog.close();
      const { rows } = await appPool.query('select count(*)::int as events from app_pool.auditkit_events');
      expect(rows).toEqual([{ events: 1 }]);
      expect(appPool.ended).toBe(false);
    } finally {
      await appPool.end();
    }
  });

  it('ends the pool it created from a connection string', async () => {
    const applicationName = `auditkit_owned_${process.pid}`;
    const sessions = async () => {
      const { rows } = await pool.query<{ count: number }>(
        'select count(*)::int as count from pg_stat_activity where application_name = $1',
        [applicationName],
      );
      return rows[0]?.count;
    };
    const auditLog = await createAuditLog({
      store: postgresStore({
        url: urlWith({ parameters: { application_name: applicationName } }),
        schema: 'owned_pool',
      }),
    });
    await declareSchemas(auditLog);
    expect(await sessions()).toBeGreaterThan(0);
    await auditLog.close();
    // A backend leaves pg_stat_activity a moment after its client disconnects.
    await expect.poll(sessions, { timeout: 5000 }).toBe(0);
  });
});

describe('schema option', () => {
  it("keeps AuditKit's tables, and its migration bookkeeping, in the chosen schema", async () => {
    const auditLog = await createAuditLog({ store: postgresStore({ pool, schema: 'audit_apart' }) });
    await auditLog.close();
    const { rows } = await pool.query<{ table_schema: string; table_name: string }>(
      `select table_schema, table_name from information_schema.tables
       where table_name like 'auditkit%' and table_schema in ('audit_apart', 'public')
       order by table_name`,
    );
    expect(rows).toEqual(
      [
        'auditkit_checkpoints',
        'auditkit_events',
        'auditkit_exports',
        'auditkit_leases',
        'auditkit_log_streams',
        'auditkit_migration',
        'auditkit_migration_lock',
        'auditkit_retention',
        'auditkit_schemas',
        'auditkit_sequence_heads',
      ].map((table_name) => ({ table_schema: 'audit_apart', table_name })),
    );
  });

  it('defaults to public and migrates only once across restarts', async () => {
    for (let start = 0; start < 2; start++) {
      const auditLog = await createAuditLog({ store: postgresStore({ url: connectionString }) });
      await declareSchemas(auditLog);
      await auditLog.close();
    }
    const { rows } = await pool.query('select name from public.auditkit_migration order by name');
    expect(rows).toEqual(
      Object.keys(sqlMigrations(SQL_SCHEMAS.postgres))
        .sort()
        .map((name) => ({ name })),
    );
  });
});

describe('migration lock', () => {
  it('waits while another session migrates, then opens', async () => {
    // The key AuditKit documents for its migration lock: the ASCII bytes of "auditkit" as a bigint.
    const lockKey = BigInt(`0x${Buffer.from('auditkit').toString('hex')}`).toString();
    const holder = await pool.connect();
    try {
      await holder.query('select pg_advisory_lock($1)', [lockKey]);
      let opened = false;
      const opening = createAuditLog({
        store: postgresStore({ url: connectionString, schema: 'lock_wait' }),
      }).then((auditLog) => {
        opened = true;
        return auditLog;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(opened).toBe(false);
      const { rows } = await pool.query(
        'select count(*)::int as tables from pg_tables where schemaname = $1',
        ['lock_wait'],
      );
      expect(rows).toEqual([{ tables: 0 }]);
      await holder.query('select pg_advisory_unlock($1)', [lockKey]);
      const auditLog = await opening;
      await auditLog.close();
    } finally {
      holder.release();
    }
  });
});

describe('concurrent batches', () => {
  it('stores two batches that share keys in opposite orders without deadlocking', async () => {
    const schema = 'crossing_batches';
    const auditLog = await createAuditLog({ store: postgresStore({ pool, schema }) });
    await declareSchemas(auditLog);
    const batch = Array.from({ length: 400 }, (_, i) => ({
      event: signInEvent({ metadata: { i } }),
      idempotencyKey: `key-${String(i).padStart(3, '0')}`,
    }));
    // A third session holds the middle key uncommitted, so the first batch is mid-insert (holding
    // the keys it got so far, and the organization's sequence head) and the second waits for it:
    // the moment a deadlock would need, were the head not taken first.
    const blocker = await pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query(
        `insert into ${schema}.auditkit_events (id, organization_id, idempotency_key, fingerprint, action, version,
           occurred_at, received_at, actor_type, actor_id, targets, target_types, context_location,
           position, hash, previous_hash)
         values ('blocker', $1, 'key-200', '', 'user.signed_in', 1, now(), now(), 'user', 'u', '[]', '{}', '-',
           1000000, '', '')`,
        [ORG_A],
      );
      const writes = Promise.all([
        auditLog.createEvents(ORG_A, batch),
        auditLog.createEvents(ORG_A, [...batch].reverse()),
      ]);
      await expect
        .poll(async () => {
          // Not on the blocker: inside its transaction, pg_stat_activity would stay one snapshot.
          const { rows } = await pool.query<{ waiting: number }>(
            `select count(*)::int as waiting from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock' and query like 'insert into%'`,
          );
          return rows[0]?.waiting;
        })
        .toBe(2);
      await blocker.query('rollback');
      const [forward, backward] = await writes;
      expect(backward.map((event) => event.id).reverse()).toEqual(forward.map((event) => event.id));
    } finally {
      blocker.release();
    }
    const { rows } = await pool.query(`select count(*)::int as events from ${schema}.auditkit_events`);
    expect(rows).toEqual([{ events: 400 }]);
    await auditLog.close();
  });
});

describe('storage errors', () => {
  it('rejects createAuditLog with storage_error when nothing listens on the port', async () => {
    const port = await closedPort();
    const error = await storageError(
      createAuditLog({
        store: postgresStore({ url: urlWith({ port }) }),
      }),
    );
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects createAuditLog with storage_error when the database does not exist', async () => {
    const error = await storageError(
      createAuditLog({
        store: postgresStore({
          url: urlWith({ database: 'auditkit_no_such_db' }),
        }),
      }),
    );
    // 3D000: invalid_catalog_name.
    expect(error.cause).toMatchObject({ code: '3D000' });
    expect(error.message).toMatch(/auditkit_no_such_db/);
  });

  it('wraps a failing query after open as storage_error with the driver error as cause', async () => {
    const auditLog = await createAuditLog({ store: postgresStore({ pool, schema: 'dropped' }) });
    await declareSchemas(auditLog);
    await pool.query('drop table dropped.auditkit_events');
    const error = await storageError(auditLog.listEvents({ organizationId: ORG_A }));
    // 42P01: undefined_table.
    expect(error.cause).toMatchObject({ code: '42P01' });
    await auditLog.close();
  });
});
