// The cached insert SQL (event-insert.ts) is a fast path around kysely's query builder: whatever
// rows it is given, the query it runs must be exactly the one kysely would have compiled for
// them, on every dialect AuditKit ships.

import type { EventRow } from '@auditkit/core/store';
import fc from 'fast-check';
import { type CompiledQuery, type SqlBool, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { SqlDialectTraits } from '../src/dialect-traits.js';
import { parseEachRowQuery } from '../src/each-row-query.js';
import { eventColumnsInserter, valuesIn } from '../src/event-insert.js';
import { eventToColumns } from '../src/event-rows.js';
import { SQL_SCHEMAS } from '../src/migrations.js';
import { DIALECTS, type DialectName, recordingKysely } from './recording-kysely.js';

/** The columns `eventToColumns` writes, with and without a dialect's extra column. */
function eventColumns(extra: boolean): string[] {
  const row: EventRow = {
    object: 'audit_log_event',
    id: 'audit_log_event_1',
    organizationId: 'org_1',
    action: 'user.signed_in',
    version: 1,
    occurredAt: new Date(0),
    receivedAt: new Date(0),
    actor: { type: 'user', id: 'user_1' },
    targets: [{ type: 'team', id: 'team_1' }],
    context: { location: '127.0.0.1' },
    idempotencyKey: 'key',
    fingerprint: 'fingerprint',
  };
  const traits: SqlDialectTraits = {
    encodeTime: (date) => date.getTime(),
    decodeTime: (value) => new Date(Number(value)),
    encodeJson: (value) => JSON.stringify(value),
    decodeJson: (value) => JSON.parse(String(value)),
    hasTargetType: () => sql<SqlBool>`true`,
    extraEventColumns: (targets) => (extra ? { target_types: targets.map((target) => target.type) } : {}),
    maxRowsPerInsert: 1000,
    schema: SQL_SCHEMAS.sqlite,
  };
  return Object.keys(eventToColumns(row, traits));
}

const cell = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }),
  fc.array(fc.string(), { maxLength: 3 }),
);

/** One batch: rows sharing one column list, the event columns with or without a dialect extra. */
function batch(extra: boolean, count: number) {
  const columns = eventColumns(extra);
  const row = fc
    .tuple(...columns.map(() => cell))
    .map((values) => Object.fromEntries(columns.map((column, i) => [column, values[i]])));
  return fc
    .array(row, { minLength: count, maxLength: count })
    .map((rows) => ({ shape: `${extra}:${count}`, rows }));
}

/** Successive calls of one inserter, whose shapes (row count, columns) repeat and vary. */
const calls = fc
  .array(fc.record({ extra: fc.boolean(), count: fc.integer({ min: 1, max: 4 }) }), {
    minLength: 2,
    maxLength: 8,
  })
  .chain((specs) => fc.tuple(...specs.map(({ extra, count }) => batch(extra, count))));

function kyselyCompiled(dialect: DialectName, rows: readonly Record<string, unknown>[], returning = true) {
  const { plain } = recordingKysely(dialect);
  const insert = plain
    .insertInto('auditkit_events')
    .values(rows as never)
    .onConflict((conflict) => conflict.columns(['organization_id', 'idempotency_key']).doNothing());
  return returning ? insert.returning('id').compile() : insert.compile();
}

const same = (row: Record<string, unknown>) => row;

describe.each(Object.keys(DIALECTS) as DialectName[])('cached event insert on %s', (dialect) => {
  it('runs exactly the SQL and parameters kysely compiles, for any rows, cached or not', async () => {
    await fc.assert(
      fc.asyncProperty(calls, async (batches) => {
        const { db, executed, builds } = recordingKysely(dialect);
        const insertColumns = eventColumnsInserter();
        for (const { rows } of batches) await insertColumns(db, rows, same);
        // One build per shape; every later call of a shape ran from the cache.
        expect(builds()).toBe(new Set(batches.map((call) => call.shape)).size);
        expect(executed).toHaveLength(batches.length);
        for (const [index, { rows }] of batches.entries()) {
          const expected = kyselyCompiled(dialect, rows);
          expect(executed[index]?.sql).toBe(expected.sql);
          expect(executed[index]?.parameters).toEqual(expected.parameters);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('leaves rows whose columns differ to kysely, which fills the gaps', async () => {
    const { db, executed, builds } = recordingKysely(dialect);
    const insertColumns = eventColumnsInserter();
    const rows = [
      { id: 'a', organization_id: 'o', idempotency_key: 'k1' },
      { id: 'b', organization_id: 'o', idempotency_key: 'k2', actor_name: 'Ada' },
    ];
    await insertColumns(db, rows, same);
    await insertColumns(db, rows, same);
    expect(builds()).toBe(2);
    const expected = kyselyCompiled(dialect, rows);
    expect(executed.map((query) => [query.sql, query.parameters])).toEqual([
      [expected.sql, expected.parameters],
      [expected.sql, expected.parameters],
    ]);
  });
  it("leaves rows with as many columns but other ones to kysely, after rows of the first one's columns", async () => {
    const { db, executed } = recordingKysely(dialect);
    const insertColumns = eventColumnsInserter();
    const first = { id: 'a', organization_id: 'o', idempotency_key: 'k1' };
    const alike = [first, { id: 'b', organization_id: 'o', idempotency_key: 'k2' }];
    const mixed = [first, { id: 'c', organization_id: 'o', actor_name: 'Ada' }];
    await insertColumns(db, alike, same);
    await insertColumns(db, mixed, same);
    expect(executed.map((query) => [query.sql, query.parameters])).toEqual(
      [alike, mixed].map((rows) => {
        const expected = kyselyCompiled(dialect, rows);
        return [expected.sql, expected.parameters];
      }),
    );
  });
});

describe.each(Object.keys(DIALECTS) as DialectName[])('row-by-row event insert on %s', (dialect) => {
  it('runs each row as exactly the single-row insert kysely compiles, and reports the rows written', async () => {
    await fc.assert(
      fc.asyncProperty(calls, fc.infiniteStream(fc.boolean()), async (batches, writes) => {
        const written: boolean[] = [];
        const { db, executed, builds } = recordingKysely(dialect, () => {
          const wrote = writes.next().value as boolean;
          written.push(wrote);
          return wrote ? 1n : 0n;
        });
        const insertColumns = eventColumnsInserter(undefined, 'row-by-row');
        const reported: unknown[] = [];
        for (const { rows } of batches) reported.push(...(await insertColumns(db, rows, same)));
        const rows = batches.flatMap((call) => call.rows);
        // One build per column list (with or without the extra column); every other row cached.
        expect(builds()).toBe(new Set(batches.map((call) => call.shape.split(':')[0])).size);
        expect(executed).toHaveLength(rows.length);
        for (const [index, row] of rows.entries()) {
          const expected = kyselyCompiled(dialect, [row], false);
          expect(executed[index]?.sql).toBe(expected.sql);
          expect(executed[index]?.parameters).toEqual(expected.parameters);
        }
        expect(reported).toEqual(rows.filter((_, index) => written[index]).map((row) => String(row.id)));
      }),
      { numRuns: 200 },
    );
  });

  it('runs a row with as many columns as the rows before it but other ones as kysely compiles it', async () => {
    const { db, executed } = recordingKysely(dialect, () => 1n);
    const insertColumns = eventColumnsInserter(undefined, 'row-by-row');
    const rows: Record<string, unknown>[] = [
      { id: 'a', organization_id: 'o', idempotency_key: 'k1' },
      { id: 'b', organization_id: 'o', actor_name: 'Ada' },
      { id: 'c', organization_id: 'o', idempotency_key: 'k3' },
    ];
    expect(await insertColumns(db, rows, same)).toEqual(['a', 'b', 'c']);
    expect(executed.map((query) => [query.sql, query.parameters])).toEqual(
      rows.map((row) => {
        const expected = kyselyCompiled(dialect, [row], false);
        return [expected.sql, expected.parameters];
      }),
    );
  });

  it('refuses a driver that does not say how many rows an insert wrote', async () => {
    const { db } = recordingKysely(dialect);
    const insertColumns = eventColumnsInserter(undefined, 'row-by-row');
    await expect(
      insertColumns(db, [{ id: 'a', organization_id: 'o', idempotency_key: 'k' }], same),
    ).rejects.toThrow('did not report how many rows');
  });
});

describe.each(Object.keys(DIALECTS) as DialectName[])('each-row event insert on %s', (dialect) => {
  it("sends a batch as one query of the single-row insert kysely compiles and every row's parameters, and reports the rows written", async () => {
    await fc.assert(
      fc.asyncProperty(calls, fc.infiniteStream(fc.boolean()), async (batches, writes) => {
        const written: boolean[] = [];
        const { db, executed, builds } = recordingKysely(dialect, undefined, (query) => {
          const eachRow = parseEachRowQuery(query.sql);
          if (!eachRow) return [];
          const changes = Array.from({ length: query.parameters.length }, () => {
            const wrote = writes.next().value as boolean;
            written.push(wrote);
            return wrote ? 1 : 0;
          });
          return [{ changes }];
        });
        const insertColumns = eventColumnsInserter(undefined, 'each-row');
        const reported: unknown[] = [];
        for (const { rows } of batches) reported.push(...(await insertColumns(db, rows, same)));
        // One build per column list (with or without the extra column), none per row.
        expect(builds()).toBe(new Set(batches.map((call) => call.shape.split(':')[0])).size);
        expect(executed).toHaveLength(batches.length);
        for (const [index, { rows }] of batches.entries()) {
          const query = executed[index];
          const eachRow = parseEachRowQuery(query?.sql ?? '');
          const single = rows.map((row) => kyselyCompiled(dialect, [row], false));
          expect(eachRow?.sql).toBe(single[0]?.sql);
          expect(eachRow?.width).toBe(single[0]?.parameters.length);
          expect(query?.parameters).toEqual(single.map((compiled) => compiled.parameters));
        }
        const rows = batches.flatMap((call) => call.rows);
        expect(reported).toEqual(rows.filter((_, index) => written[index]).map((row) => String(row.id)));
      }),
      { numRuns: 200 },
    );
  });

  /** A recording kysely answering each-row queries as if every row were written. */
  function allWritten() {
    const answer = (query: CompiledQuery) => {
      const eachRow = parseEachRowQuery(query.sql);
      if (!eachRow) return [];
      return [{ changes: Array.from({ length: query.parameters.length }, () => 1) }];
    };
    return recordingKysely(dialect, () => 1n, answer);
  }
  const keyed = (count: number) =>
    Array.from({ length: count }, (_, index) => ({
      id: `e${index}`,
      organization_id: 'o',
      idempotency_key: `k${index}`,
    }));

  it('sends a large batch as queries of at most 64 rows, in order', async () => {
    const { db, executed } = allWritten();
    const insertColumns = eventColumnsInserter(undefined, 'each-row');
    const rows = keyed(150);
    expect(await insertColumns(db, rows, same)).toEqual(rows.map((row) => row.id));
    const single = kyselyCompiled(dialect, [rows[0] as Record<string, unknown>], false);
    expect(executed.map((query) => parseEachRowQuery(query.sql)?.sql)).toEqual([
      single.sql,
      single.sql,
      single.sql,
    ]);
    const sent = [64, 64, 22];
    let offset = 0;
    for (const [index, count] of sent.entries()) {
      const part = rows.slice(offset, offset + count);
      expect(executed[index]?.parameters).toEqual(
        part.map((row) => kyselyCompiled(dialect, [row], false).parameters),
      );
      offset += count;
    }
  });

  it('sends the rows before a row of other columns, and leaves that row and the rest to kysely, row by row', async () => {
    const { db, executed } = allWritten();
    const insertColumns = eventColumnsInserter(undefined, 'each-row');
    const rows: Record<string, unknown>[] = [
      ...keyed(2),
      { id: 'b', organization_id: 'o', idempotency_key: 'kb', actor_name: 'Ada' },
      { id: 'c', organization_id: 'o', idempotency_key: 'kc' },
    ];
    expect(await insertColumns(db, rows, same)).toEqual(['e0', 'e1', 'b', 'c']);
    const compiledRows = rows.map((row) => kyselyCompiled(dialect, [row], false));
    expect(parseEachRowQuery(executed[0]?.sql ?? '')?.sql).toBe(compiledRows[0]?.sql);
    expect(executed[0]?.parameters).toEqual([compiledRows[0]?.parameters, compiledRows[1]?.parameters]);
    expect(executed.slice(1).map((query) => [query.sql, query.parameters])).toEqual(
      compiledRows.slice(2).map((expected) => [expected.sql, expected.parameters]),
    );
  });

  it('leaves a row with as many columns but other ones, and the rest, to kysely, row by row', async () => {
    const { db, executed } = allWritten();
    const insertColumns = eventColumnsInserter(undefined, 'each-row');
    const rows: Record<string, unknown>[] = [
      ...keyed(2),
      { id: 'b', organization_id: 'o', actor_name: 'Ada' },
      { id: 'c', organization_id: 'o', idempotency_key: 'kc' },
    ];
    expect(await insertColumns(db, rows, same)).toEqual(['e0', 'e1', 'b', 'c']);
    const compiledRows = rows.map((row) => kyselyCompiled(dialect, [row], false));
    expect(executed[0]?.parameters).toEqual([compiledRows[0]?.parameters, compiledRows[1]?.parameters]);
    expect(executed.slice(1).map((query) => [query.sql, query.parameters])).toEqual(
      compiledRows.slice(2).map((expected) => [expected.sql, expected.parameters]),
    );
  });

  it('refuses a connection whose answer does not count every row', async () => {
    for (const answer of [[], [{ changes: [1] }], [{ changes: [1, '1'] }]]) {
      const { db } = recordingKysely(dialect, undefined, () => answer);
      const insertColumns = eventColumnsInserter(undefined, 'each-row');
      const rows = [
        { id: 'a', organization_id: 'o', idempotency_key: 'k1' },
        { id: 'b', organization_id: 'o', idempotency_key: 'k2' },
      ];
      await expect(insertColumns(db, rows, same)).rejects.toThrow(/did not report how many rows/);
    }
  });
});

describe('valuesIn', () => {
  it("gives a row's values in the columns' order exactly when the row has those columns and no others", () => {
    const names = ['id', 'organization_id', 'idempotency_key', 'actor_name', 'metadata'];
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...names), fc.option(fc.oneof(fc.string(), fc.integer()))),
        fc.shuffledSubarray(names),
        (row, columns) => {
          const sameColumns =
            Object.keys(row).length === columns.length &&
            columns.every((column) => Object.hasOwn(row, column));
          expect(valuesIn(row, columns)).toEqual(
            sameColumns ? columns.map((column) => row[column]) : undefined,
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
