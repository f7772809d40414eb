// Every handle withTransaction accepts on SQLite, each updating an application table and writing
// the audit event in one transaction, committed and rolled back. (A better-sqlite3 Database inside
// BEGIN also runs the whole caller-transaction conformance suite: sqlite-conformance.test.ts.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SqliteTransactionHandle, sqliteStore } from '@auditkit/adapter-sqlite';
import { type AuditLog, createAuditLog } from '@auditkit/core';
import { countEvents, declareSchemas, ORG_A, signInEvent } from '@auditkit/core/testing';
import Database from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface AppDatabase {
  appAccounts: { id: string; plan: string };
}

const filename = join(mkdtempSync(join(tmpdir(), 'auditkit-sqlite-tx-')), 'app.db');
// One connection shared by the application and AuditKit: their tables live in the same file.
const database = new Database(filename);
database.pragma('journal_mode = WAL');
const app = new Kysely<AppDatabase>({
  dialect: new SqliteDialect({ database }),
  plugins: [new CamelCasePlugin()],
});
let auditLog: AuditLog<SqliteTransactionHandle>;

class Rollback extends Error {}

beforeAll(async () => {
  auditLog = await createAuditLog({ store: sqliteStore({ database }) });
  await declareSchemas(auditLog);
  database.exec('create table app_accounts (id text primary key, plan text not null)');
});
afterAll(async () => {
  await auditLog.close();
  await app.destroy();
});

function planOf(id: string): string | undefined {
  return (
    database.prepare('select plan from app_accounts where id = ?').get(id) as { plan: string } | undefined
  )?.plan;
}

function eventsWithKey(key: string): number {
  return database
    .prepare('select 1 from auditkit_events where organization_id = ? and idempotency_key = ?')
    .all(ORG_A, key).length;
}

describe('withTransaction on SQLite handles', () => {
  it('a kysely Transaction on SQLite (with the application’s CamelCasePlugin): commit keeps both, rollback neither', async () => {
    await app.transaction().execute(async (trx) => {
      await trx.insertInto('appAccounts').values({ id: 'kysely-commit', plan: 'pro' }).execute();
      await auditLog
        .withTransaction(trx)
        .createEvent(ORG_A, signInEvent(), { idempotencyKey: 'kysely-commit' });
    });
    expect([planOf('kysely-commit'), eventsWithKey('kysely-commit')]).toEqual(['pro', 1]);

    await expect(
      app.transaction().execute(async (trx) => {
        await trx.insertInto('appAccounts').values({ id: 'kysely-rollback', plan: 'pro' }).execute();
        await auditLog
          .withTransaction(trx)
          .createEvent(ORG_A, signInEvent(), { idempotencyKey: 'kysely-rollback' });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect([planOf('kysely-rollback'), eventsWithKey('kysely-rollback')]).toEqual([undefined, 0]);
  });

  it('a kysely Transaction stays usable after a conflict inside it', async () => {
    await auditLog.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'kysely-taken' });
    await app.transaction().execute(async (trx) => {
      await expect(
        auditLog.withTransaction(trx).createEvent(ORG_A, signInEvent({ context: { location: '10.1.1.1' } }), {
          idempotencyKey: 'kysely-taken',
        }),
      ).rejects.toMatchObject({ code: 'idempotency_conflict' });
      await trx.insertInto('appAccounts').values({ id: 'kysely-after-conflict', plan: 'free' }).execute();
    });
    expect(planOf('kysely-after-conflict')).toBe('free');
  });

  it('a better-sqlite3 Database inside BEGIN: commit keeps both, rollback neither', async () => {
    for (const end of ['COMMIT', 'ROLLBACK'] as const) {
      database.exec('BEGIN IMMEDIATE');
      database.prepare('insert into app_accounts (id, plan) values (?, ?)').run(`db-${end}`, 'pro');
      await auditLog
        .withTransaction(database)
        .createEvent(ORG_A, signInEvent(), { idempotencyKey: `db-${end}` });
      database.exec(end);
      expect([planOf(`db-${end}`), eventsWithKey(`db-${end}`)]).toEqual(
        end === 'COMMIT' ? ['pro', 1] : [undefined, 0],
      );
    }
  });

  // A batch through a better-sqlite3 handle is sent as one each-row query (AuditKit's statement
  // cache runs it); through the application's kysely Transaction, whose driver would refuse that
  // query, one kysely query per row. Both report each event new or replayed.
  it('writes a batch with a replay in it through either handle, committed and rolled back', async () => {
    const batch = (prefix: string) =>
      ['a', 'b', 'c'].map((key) => ({ event: signInEvent(), idempotencyKey: `${prefix}-${key}` }));
    for (const handle of ['kysely', 'database'] as const) {
      const prefix = `batch-${handle}`;
      await auditLog.createEvent(ORG_A, signInEvent(), { idempotencyKey: `${prefix}-b` });
      for (const end of ['commit', 'rollback'] as const) {
        const keys = batch(`${prefix}-${end}`);
        if (end === 'commit') keys[1] = { event: signInEvent(), idempotencyKey: `${prefix}-b` };
        const write = (trx: SqliteTransactionHandle) =>
          auditLog.withTransaction(trx).createEvents(ORG_A, keys);
        let replayed: boolean[] = [];
        if (handle === 'kysely') {
          await app
            .transaction()
            .execute(async (trx) => {
              replayed = (await write(trx)).map((event) => event.replayed);
              if (end === 'rollback') throw new Rollback();
            })
            .catch((error: unknown) => {
              if (!(error instanceof Rollback)) throw error;
            });
        } else {
          database.exec('BEGIN IMMEDIATE');
          replayed = (await write(database)).map((event) => event.replayed);
          database.exec(end === 'commit' ? 'COMMIT' : 'ROLLBACK');
        }
        expect(replayed).toEqual(end === 'commit' ? [false, true, false] : [false, false, false]);
        expect(keys.map(({ idempotencyKey }) => eventsWithKey(idempotencyKey))).toEqual(
          end === 'commit' ? [1, 1, 1] : [0, 0, 0],
        );
      }
    }
  });

  it('refuses, with invalid_request and nothing written, a handle that is not in a transaction or not a connection', async () => {
    const before = await countEvents(auditLog, ORG_A);
    // SQLite would let a savepoint start a transaction of its own: AuditKit checks first.
    await expect(
      auditLog.withTransaction(database).createEvent(ORG_A, signInEvent(), { idempotencyKey: 'no-begin' }),
    ).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/not inside a transaction/),
    });
    expect(database.inTransaction).toBe(false);
    expect(() => auditLog.withTransaction(app)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => auditLog.withTransaction({} as never)).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
    expect(await countEvents(auditLog, ORG_A)).toBe(before);
    expect(eventsWithKey('no-begin')).toBe(0);
  });

  it('opens an already migrated file while another connection holds a write transaction on it', async () => {
    const holder = new Database(filename);
    try {
      holder.exec('BEGIN IMMEDIATE');
      holder.prepare("insert into app_accounts (id, plan) values ('held', 'free')").run();
      // A short busy timeout: opening must not need the write lock at all.
      const second = await createAuditLog({ store: sqliteStore({ filename, busyTimeoutMs: 100 }) });
      expect((await second.listEvents({ organizationId: ORG_A, limit: 1 })).data).toHaveLength(1);
      await second.close();
      holder.exec('ROLLBACK');
    } finally {
      holder.close();
    }
  });

  it('refuses withTransaction on a private :memory: database with transactions_unsupported', async () => {
    const privateLog = await createAuditLog({ store: sqliteStore({ filename: ':memory:' }) });
    try {
      expect(() => privateLog.withTransaction(database)).toThrow(
        expect.objectContaining({ code: 'transactions_unsupported' }),
      );
    } finally {
      await privateLog.close();
    }
  });
});
