// Every handle withTransaction accepts on PostgreSQL, each updating an application table and
// writing the audit event in one transaction, committed and rolled back. (pg Client and PoolClient
// also run the whole caller-transaction conformance suite: postgres-conformance.test.ts.)
import { type PostgresTransactionHandle, postgresStore } from '@auditkit/adapter-postgres';
import { type AuditLog, createAuditLog } from '@auditkit/core';
import { countEvents, declareSchemas, ORG_A, signInEvent } from '@auditkit/core/testing';
import { sql as drizzleSql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const connectionString = inject('postgresUrl');
const pool = new pg.Pool({ connectionString, max: 6 });
const schema = 'tx_handles';

interface AppDatabase {
  appAccounts: { id: string; plan: string };
}
// The application's kysely, with a plugin that would rename AuditKit's columns if it applied to them.
const app = new Kysely<AppDatabase>({
  dialect: new PostgresDialect({ pool }),
  plugins: [new CamelCasePlugin()],
});
const drizzleDb = drizzle(pool);
let auditLog: AuditLog<PostgresTransactionHandle>;

class Rollback extends Error {}

beforeAll(async () => {
  auditLog = await createAuditLog({ store: postgresStore({ pool, schema }) });
  await declareSchemas(auditLog);
  await pool.query('create table app_accounts (id text primary key, plan text not null)');
});
afterAll(async () => {
  await auditLog.close();
  await app.destroy();
});

async function planOf(id: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ plan: string }>('select plan from app_accounts where id = $1', [id]);
  return rows[0]?.plan;
}

async function eventsWithKey(key: string): Promise<number> {
  const { rows } = await pool.query(
    `select 1 from ${schema}.auditkit_events where organization_id = $1 and idempotency_key = $2`,
    [ORG_A, key],
  );
  return rows.length;
}

describe('withTransaction on PostgreSQL handles', () => {
  it('a kysely Transaction (with the application’s CamelCasePlugin): commit keeps both, rollback neither', async () => {
    await app.transaction().execute(async (trx) => {
      await trx.insertInto('appAccounts').values({ id: 'kysely-commit', plan: 'pro' }).execute();
      await auditLog
        .withTransaction(trx)
        .createEvent(ORG_A, signInEvent(), { idempotencyKey: 'kysely-commit' });
    });
    expect([await planOf('kysely-commit'), await eventsWithKey('kysely-commit')]).toEqual(['pro', 1]);

    await expect(
      app.transaction().execute(async (trx) => {
        await trx.insertInto('appAccounts').values({ id: 'kysely-rollback', plan: 'pro' }).execute();
        await auditLog
          .withTransaction(trx)
          .createEvent(ORG_A, signInEvent(), { idempotencyKey: 'kysely-rollback' });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect([await planOf('kysely-rollback'), await eventsWithKey('kysely-rollback')]).toEqual([undefined, 0]);
  });

  it('a drizzle-orm node-postgres transaction: commit keeps both, rollback neither', async () => {
    await drizzleDb.transaction(async (tx) => {
      await tx.execute(drizzleSql`insert into app_accounts (id, plan) values ('drizzle-commit', 'team')`);
      await auditLog
        .withTransaction(tx)
        .createEvent(ORG_A, signInEvent(), { idempotencyKey: 'drizzle-commit' });
    });
    expect([await planOf('drizzle-commit'), await eventsWithKey('drizzle-commit')]).toEqual(['team', 1]);

    await expect(
      drizzleDb.transaction(async (tx) => {
        await tx.execute(drizzleSql`insert into app_accounts (id, plan) values ('drizzle-rollback', 'team')`);
        await auditLog
          .withTransaction(tx)
          .createEvent(ORG_A, signInEvent(), { idempotencyKey: 'drizzle-rollback' });
        tx.rollback();
      }),
    ).rejects.toThrow();
    expect([await planOf('drizzle-rollback'), await eventsWithKey('drizzle-rollback')]).toEqual([
      undefined,
      0,
    ]);
  });

  it('a drizzle transaction stays usable after a conflict (AuditKit’s savepoint, not drizzle’s)', async () => {
    await auditLog.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'drizzle-taken' });
    await drizzleDb.transaction(async (tx) => {
      await expect(
        auditLog.withTransaction(tx).createEvent(ORG_A, signInEvent({ context: { location: '10.1.1.1' } }), {
          idempotencyKey: 'drizzle-taken',
        }),
      ).rejects.toMatchObject({ code: 'idempotency_conflict' });
      await tx.execute(
        drizzleSql`insert into app_accounts (id, plan) values ('drizzle-after-conflict', 'free')`,
      );
    });
    expect(await planOf('drizzle-after-conflict')).toBe('free');
  });

  it('a pg PoolClient inside BEGIN: commit keeps both, rollback neither', async () => {
    for (const end of ['COMMIT', 'ROLLBACK'] as const) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('insert into app_accounts (id, plan) values ($1, $2)', [`pg-${end}`, 'pro']);
        await auditLog
          .withTransaction(client)
          .createEvent(ORG_A, signInEvent(), { idempotencyKey: `pg-${end}` });
        await client.query(end);
      } finally {
        client.release();
      }
      const kept = end === 'COMMIT';
      expect([await planOf(`pg-${end}`), await eventsWithKey(`pg-${end}`)]).toEqual(
        kept ? ['pro', 1] : [undefined, 0],
      );
    }
  });

  it('refuses, with invalid_request and nothing written, a handle that is not in a transaction or not a connection', async () => {
    const before = await countEvents(auditLog, ORG_A);
    const client = await pool.connect();
    try {
      // A client outside BEGIN: Postgres refuses AuditKit's savepoint; nothing is written.
      await expect(
        auditLog.withTransaction(client).createEvent(ORG_A, signInEvent(), { idempotencyKey: 'no-begin' }),
      ).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringMatching(/not inside a transaction/),
      });
    } finally {
      client.release();
    }
    expect(() => auditLog.withTransaction(app)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => auditLog.withTransaction(pool)).toThrow(/not the pool/);
    expect(() => auditLog.withTransaction({} as never)).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
    expect(await countEvents(auditLog, ORG_A)).toBe(before);
    expect(await eventsWithKey('no-begin')).toBe(0);
  });
});
