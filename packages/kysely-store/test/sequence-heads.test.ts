// The sequence-head statements reuse kysely's compiled SQL per shape (compiled-by-shape.ts): for
// any heads, the query a cached statement runs must be exactly the one kysely compiles afresh,
// on every dialect AuditKit ships.

import type { SequenceHead } from '@auditkit/core/store';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sequenceHeadStatements } from '../src/sequence-heads.js';
import { DIALECTS, type DialectName, recordingKysely } from './recording-kysely.js';

const organization = fc.string({ minLength: 1, maxLength: 6 });
const head = fc.record({ position: fc.integer({ min: 1, max: 2 ** 40 }), hash: fc.string({ maxLength: 8 }) });
const heads = fc
  .uniqueArray(fc.tuple(organization, head), { minLength: 1, maxLength: 4, selector: ([id]) => id })
  .map((entries) => new Map<string, SequenceHead>(entries));

/** Event columns as the insert sees them (the statement's SQL depends on their count and names). */
const eventColumns = fc.array(
  fc.record({
    id: fc.string({ maxLength: 6 }),
    organization_id: organization,
    idempotency_key: fc.string({ maxLength: 6 }),
    position: fc.integer({ min: 1, max: 2 ** 40 }),
  }),
  { minLength: 1, maxLength: 3 },
);

/** One call of one of the four statements, with its arguments. */
const call = fc.oneof(
  fc.record({
    statement: fc.constant('lock' as const),
    organizations: fc.uniqueArray(organization, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ statement: fc.constant('advanceFrom' as const), from: heads, to: heads }),
  fc.record({ statement: fc.constant('write' as const), heads }),
  fc.record({
    statement: fc.constant('advanceFromWithAllRows' as const),
    from: heads,
    to: heads,
    rows: eventColumns,
  }),
);
type Call = typeof call extends fc.Arbitrary<infer T> ? T : never;

function shapeOf(c: Call): string {
  if (c.statement === 'lock') return `lock:${c.organizations.length}`;
  if (c.statement === 'write') return `write:${c.heads.size}`;
  if (c.statement === 'advanceFromWithAllRows')
    return `withRows:${c.to.size}:${c.from.size}:${c.rows.length}`;
  return `advanceFrom:${c.to.size}:${c.from.size}`;
}

async function run(statements: ReturnType<typeof sequenceHeadStatements>, db: never, c: Call) {
  if (c.statement === 'lock') await statements.lock(db, c.organizations);
  else if (c.statement === 'write') await statements.write(db, c.heads);
  else if (c.statement === 'advanceFromWithAllRows')
    await statements.advanceFromWithAllRows(db, c.from, c.to, c.rows);
  else await statements.advanceFrom(db, c.from, c.to);
}

describe.each(Object.keys(DIALECTS) as DialectName[])('cached sequence-head statements on %s', (dialect) => {
  it('run exactly the SQL and parameters kysely compiles, for any heads, cached or not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 2, maxLength: 10 }), async (calls) => {
        const cached = recordingKysely(dialect);
        const statements = sequenceHeadStatements();
        for (const c of calls) await run(statements, cached.db as never, c);
        // One kysely build per shape of each statement; every later call ran from the cache.
        expect(cached.builds()).toBe(new Set(calls.map(shapeOf)).size);
        expect(cached.executed).toHaveLength(calls.length);
        for (const [index, c] of calls.entries()) {
          // A fresh set of statements compiles its first call through kysely.
          const fresh = recordingKysely(dialect);
          await run(sequenceHeadStatements(), fresh.db as never, c);
          expect(fresh.builds()).toBe(1);
          expect(cached.executed[index]?.sql).toBe(fresh.executed[0]?.sql);
          expect(cached.executed[index]?.parameters).toEqual(fresh.executed[0]?.parameters);
        }
      }),
      { numRuns: 200 },
    );
  });
});
