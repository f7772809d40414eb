// The statement cache hands a prepared statement out again only when nothing is still reading it.
import Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { withStatementCache } from '../src/statement-cache.js';

const SELECT = 'select n from numbers order by n';
const opened: SqliteDatabase[] = [];
afterEach(() => {
  for (const database of opened.splice(0)) database.close();
});

function numbersDatabase(wrap: (database: SqliteDatabase) => SqliteDatabase = withStatementCache) {
  const raw = new Database(':memory:');
  raw.exec('create table numbers (n integer)');
  const insert = raw.prepare('insert into numbers (n) values (?)');
  for (let n = 1; n <= 5; n++) insert.run(n);
  const database = wrap(raw as unknown as SqliteDatabase);
  opened.push(database);
  return database;
}

it('prepares a SQL text once while its statement is idle', () => {
  const database = numbersDatabase();
  const first = database.prepare(SELECT);
  expect(first.all([])).toHaveLength(5);
  expect(database.prepare(SELECT)).toBe(first);
});

it('prepares the SQL afresh while the cached statement is still being iterated, and both read correctly', () => {
  const database = numbersDatabase();
  const streaming = database.prepare(SELECT);
  const reader = streaming.iterate([]);
  expect(reader.next().value).toEqual({ n: 1 });

  const meanwhile = database.prepare(SELECT);
  expect(meanwhile).not.toBe(streaming);
  expect(meanwhile.all([])).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));

  expect([...reader]).toEqual([2, 3, 4, 5].map((n) => ({ n })));
  // Once the reader is done, the cache serves its statement again.
  expect(database.prepare(SELECT)).toBe(meanwhile);
});

it('does not cache statements of a driver that cannot say whether they are busy', () => {
  const database = numbersDatabase((raw) =>
    withStatementCache({
      prepare: (sql) => {
        const { reader, all, run, iterate } = raw.prepare(sql) as unknown as Record<string, never>;
        return { reader, all, run, iterate } as never;
      },
      close: () => raw.close(),
    }),
  );
  expect(database.prepare(SELECT)).not.toBe(database.prepare(SELECT));
});

it('keeps the most recently used texts when one text is asked for many times in a row', () => {
  const raw = new Database(':memory:');
  const prepared: string[] = [];
  const database = withStatementCache(
    {
      prepare: (sql) => {
        prepared.push(sql);
        return raw.prepare(sql) as never;
      },
      close: () => raw.close(),
    },
    2,
  );
  opened.push(database);
  const first = database.prepare('select 1');
  database.prepare('select 2');
  for (let i = 0; i < 3; i++) expect(database.prepare('select 1')).toBe(first);
  // 'select 1' was used last, so a third text evicts 'select 2', the least recently used.
  database.prepare('select 3');
  expect(database.prepare('select 1')).toBe(first);
  database.prepare('select 2');
  expect(prepared).toEqual(['select 1', 'select 2', 'select 3', 'select 2']);
});
