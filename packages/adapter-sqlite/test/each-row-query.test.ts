// An each-row query (kysely-store's eachRowQuery) is a fast path around kysely's executor: run
// by the statement cache in one call, it must leave the database and report exactly what kysely
// sending the same single-row statement once per row would.
import { eachRowQuery } from '@auditkit/kysely-store';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { CompiledQuery, Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from '../src/statement-cache.js';

const SCHEMA = `create table items (organization text not null, key text not null, value integer);
  create unique index items_key on items (organization, key)`;
const INSERT = 'insert into items (organization, key, value) values (?, ?, ?) on conflict do nothing';

const opened: Kysely<unknown>[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.destroy();
});

function kyselyOn(cached: boolean) {
  const raw = new Database(':memory:');
  raw.exec(SCHEMA);
  const database = raw as unknown as SqliteDatabase;
  const db = new Kysely<unknown>({
    dialect: new SqliteDialect({ database: cached ? withStatementCache(database) : database }),
  });
  opened.push(db);
  return { db, raw };
}

type Row = [organization: string, key: string, value: number | null];

const rows = fc.array(
  fc.tuple(
    fc.constantFrom('org_a', 'org_b'),
    fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5'),
    fc.option(fc.integer()),
  ),
  { maxLength: 12 },
);

const stored = (raw: Database.Database) =>
  raw.prepare('select organization, key, value from items order by rowid').raw().all();

describe('an each-row query through the statement cache', () => {
  it('writes and reports exactly what kysely running the statement once per row does, in a transaction', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rows, { minLength: 1, maxLength: 4 }), async (batches: Row[][]) => {
        const eachRow = kyselyOn(true);
        const reference = kyselyOn(false);
        for (const batch of batches) {
          const answer = await eachRow.db
            .transaction()
            .execute((trx) => trx.executeQuery<{ changes: number[] }>(eachRowQuery(INSERT, 3, batch)));
          const expected = await reference.db.transaction().execute(async (trx) => {
            const changes: number[] = [];
            for (const row of batch) {
              const { numAffectedRows } = await trx.executeQuery(CompiledQuery.raw(INSERT, row));
              changes.push(Number(numAffectedRows));
            }
            return changes;
          });
          expect(answer.rows).toEqual([{ changes: expected }]);
        }
        expect(stored(eachRow.raw)).toEqual(stored(reference.raw));
      }),
      { numRuns: 150 },
    );
  });

  it('stops at the first row that fails and fails the query; the transaction keeps none of the batch', async () => {
    const { db, raw } = kyselyOn(true);
    await db.executeQuery(CompiledQuery.raw(INSERT, ['org_a', 'k0', 0]));
    const failing = db.transaction().execute((trx) =>
      // The second row breaks NOT NULL (a statement error, not a conflict).
      trx.executeQuery(
        eachRowQuery(INSERT, 3, [
          ['org_a', 'k1', 1],
          ['org_a', null, 2],
          ['org_a', 'k3', 3],
        ]),
      ),
    );
    await expect(failing).rejects.toThrow(/NOT NULL/);
    expect(stored(raw)).toEqual([['org_a', 'k0', 0]]);
  });

  it("refuses rows that are not arrays of the statement's width before running any", async () => {
    const { db, raw } = kyselyOn(true);
    for (const rows of [
      [['org_a', 'k1', 1], ['org_a']],
      [
        ['org_a', 'k1', 1],
        ['org_a', 'k2', 2, 'extra'],
      ],
      ['org_a', 'k1', 1],
    ]) {
      await expect(db.executeQuery(eachRowQuery(INSERT, 3, rows as unknown[][]))).rejects.toThrow(
        "an each-row query's rows are arrays of 3 values",
      );
    }
    expect(stored(raw)).toEqual([]);
  });

  it('is refused by a connection without the statement cache, which writes nothing', async () => {
    const { db, raw } = kyselyOn(false);
    await expect(
      db.executeQuery(
        eachRowQuery(INSERT, 3, [
          ['org_a', 'k1', 1],
          ['org_a', 'k2', 2],
          ['org_a', 'k3', 3],
        ]),
      ),
    ).rejects.toThrow(/can only bind/);
    expect(stored(raw)).toEqual([]);
  });
});
