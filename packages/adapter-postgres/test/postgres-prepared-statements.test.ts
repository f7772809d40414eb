import { postgresStore } from '@auditkit/adapter-postgres';
import { type AuditLog, createAuditLog } from '@auditkit/core';
import { countEvents, declareSchemas, manyEvents, ORG_A, ORG_B } from '@auditkit/core/testing';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';

// One connection, so every statement of the store and of these checks runs in one session, whose
// prepared statements `pg_prepared_statements` lists.
const pool = new pg.Pool({ connectionString: inject('postgresUrl'), max: 1 });
afterAll(() => pool.end());

interface Prepared {
  name: string;
  statement: string;
  parameters: number;
}

/**
 * The session's prepared statements on `schema`'s tables. (Not `DEALLOCATE` between tests: pg
 * remembers what it prepared on the connection and would not prepare it again.)
 */
async function preparedStatements(schema: string): Promise<Prepared[]> {
  const { rows } = await pool.query<Prepared>(
    `select name, statement, cardinality(parameter_types) as parameters from pg_prepared_statements
     where position($1 in statement) > 0 order by name`,
    [`"${schema}".`],
  );
  return rows;
}

async function openOn(schema: string, preparedStatements?: boolean): Promise<AuditLog> {
  await pool.query(`drop schema if exists ${schema} cascade`);
  const auditLog = await createAuditLog({
    store: postgresStore({
      pool,
      schema,
      ...(preparedStatements === undefined ? {} : { preparedStatements }),
    }),
  });
  await declareSchemas(auditLog);
  return auditLog;
}

/** Writes `count` events as concurrent single calls (group commit) and in batches of 5 and 100. */
async function writeEvents(
  auditLog: AuditLog,
  organizationId: string,
  count: number,
  start = '2024-01-01T00:00:00.000Z',
): Promise<void> {
  const events = manyEvents(count + 105, Date.parse(start));
  await Promise.all(events.slice(0, count).map((event) => auditLog.createEvent(organizationId, event)));
  await auditLog.createEvents(organizationId, events.slice(count, count + 5));
  await auditLog.createEvents(organizationId, events.slice(count + 5));
}

describe('prepared statements (postgresStore preparedStatements)', () => {
  it('prepares the write path statements on the connection once, within the limits, and stores and chains every event', async () => {
    const auditLog = await openOn('prepared_on', true);
    try {
      await writeEvents(auditLog, ORG_A, 40);
      const first = await preparedStatements('prepared_on');
      expect(first.length).toBeGreaterThan(0);
      for (const statement of first) {
        expect(statement.name).toMatch(/^auditkit_[\w-]{40}$/);
        expect(statement.statement).toContain('"prepared_on"."auditkit_');
        // The 100-event batch has more parameters than a prepared text may have.
        expect(statement.parameters).toBeLessThanOrEqual(1000);
      }
      expect(first.some((statement) => statement.statement.includes('"prepared_on"."auditkit_events"'))).toBe(
        true,
      );
      expect(
        first.some((statement) => statement.statement.includes('"prepared_on"."auditkit_sequence_heads"')),
      ).toBe(true);

      // The same shapes again reuse the prepared texts: no new ones, no "must be unique" error.
      await writeEvents(auditLog, ORG_B, 40);
      await auditLog.createEvents(ORG_A, manyEvents(5, Date.parse('2024-02-01T00:00:00.000Z')));
      const names = new Set((await preparedStatements('prepared_on')).map((statement) => statement.name));
      for (const statement of first) expect(names.has(statement.name)).toBe(true);

      expect(await countEvents(auditLog, ORG_A)).toBe(150);
      expect(await countEvents(auditLog, ORG_B)).toBe(145);
      for (const organizationId of [ORG_A, ORG_B]) {
        expect(await auditLog.verify({ organizationId })).toMatchObject({
          ok: true,
          checked: organizationId === ORG_A ? 150 : 145,
        });
      }
    } finally {
      await auditLog.close();
    }
  });

  it('names a text by its content, so two stores sharing a pool and its connection never clash', async () => {
    const one = await openOn('prepared_shared');
    const other = await createAuditLog({
      store: postgresStore({ pool, schema: 'prepared_shared', preparedStatements: true }),
    });
    const elsewhere = await openOn('prepared_elsewhere', true);
    try {
      // `one` keeps pool's default (off); `other` and `elsewhere` prepare on the same connection.
      await writeEvents(other, ORG_A, 10);
      await writeEvents(elsewhere, ORG_A, 10);
      const shared = await preparedStatements('prepared_shared');
      const apart = await preparedStatements('prepared_elsewhere');
      expect(shared.length).toBeGreaterThan(0);
      expect(apart.length).toBeGreaterThan(0);
      const names = [...shared, ...apart].map((statement) => statement.name);
      expect(new Set(names).size).toBe(names.length);
      await writeEvents(one, ORG_B, 10);
      const again = await createAuditLog({
        store: postgresStore({ pool, schema: 'prepared_shared', preparedStatements: true }),
      });
      // Other events (the same would be replays of `one`'s), through the same prepared texts.
      await writeEvents(again, ORG_B, 10, '2024-03-01T00:00:00.000Z');
      await again.close();
      expect(await countEvents(one, ORG_A)).toBe(115);
      expect(await countEvents(one, ORG_B)).toBe(230);
      expect(await countEvents(elsewhere, ORG_A)).toBe(115);
      expect(await one.verify({ organizationId: ORG_B })).toMatchObject({ ok: true, checked: 230 });
    } finally {
      await Promise.all([one.close(), other.close(), elsewhere.close()]);
    }
  });

  it('prepares nothing on an application pool unless asked to', async () => {
    const auditLog = await openOn('prepared_off');
    try {
      await writeEvents(auditLog, ORG_A, 20);
      expect(await preparedStatements('prepared_off')).toEqual([]);
      expect(await countEvents(auditLog, ORG_A)).toBe(125);
    } finally {
      await auditLog.close();
    }
  });
});
