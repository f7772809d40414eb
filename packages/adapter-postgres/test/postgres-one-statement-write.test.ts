import { postgresStore } from '@auditkit/adapter-postgres';
import { type AuditLog, createAuditLog } from '@auditkit/core';
import { declareSchemas, ORG_A, signInEvent } from '@auditkit/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { recordingPool } from './recording-pool.js';

// A small write that continues from heads this process remembers is one statement outside a
// transaction, which writes everything or nothing; when it refuses (a replayed key, a head
// another process moved), the write is done again in a transaction from the database's heads.

const SCHEMA = 'one_statement';
const pool = new pg.Pool({ connectionString: inject('postgresUrl'), max: 4 });
const statements: string[] = [];

/** Each statement's first words, lowercased. */
const recording = recordingPool(pool, (sql) => statements.push(sql.slice(0, 60).toLowerCase()));

let first: AuditLog;
let second: AuditLog;

beforeAll(async () => {
  await pool.query(`drop schema if exists ${SCHEMA} cascade`);
  first = await createAuditLog({ store: postgresStore({ pool: recording, schema: SCHEMA }) });
  second = await createAuditLog({ store: postgresStore({ pool, schema: SCHEMA }) });
  await declareSchemas(first);
});
afterAll(async () => {
  await first.close();
  await second.close();
  await pool.end();
});
beforeEach(() => {
  statements.length = 0;
});

const event = (minute: number) =>
  signInEvent({ occurredAt: new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString() });

async function headPosition(): Promise<number> {
  return (await first.getSequenceHead(ORG_A))?.position ?? 0;
}

describe('one-statement writes on PostgreSQL', () => {
  it('writes an event after a remembered head with one statement and no transaction', async () => {
    await first.createEvent(ORG_A, event(1)); // no head remembered yet: locked and read in a transaction
    expect(statements).toContain('begin');
    statements.length = 0;
    const stored = await first.createEvent(ORG_A, event(2));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^with "moved" as \(insert into "one_statement"\."auditkit_seq/);
    expect(await headPosition()).toBe(2);
    const [sealed] = await first.readSequencedEvents({ organizationId: ORG_A, afterPosition: 1, limit: 10 });
    expect(sealed).toMatchObject({ position: 2, event: { id: stored.id } });
  });

  it('writes a replay again in a transaction when the one statement refuses its taken key, leaving no hole', async () => {
    const replay = await first.createEvent(ORG_A, event(2));
    expect(replay.replayed).toBe(true);
    expect(statements[0]).toMatch(/^with "moved"/);
    expect(statements.slice(1)).toContain('begin');
    expect(await headPosition()).toBe(2);
    statements.length = 0;
    await first.createEvent(ORG_A, event(3));
    expect(await headPosition()).toBe(3);
    expect(await first.verify({ organizationId: ORG_A })).toMatchObject({ ok: true, checked: 3 });
  });

  it('writes again from the database when another process moved the remembered head', async () => {
    await second.createEvent(ORG_A, event(4)); // position 4, which `first` does not know about
    statements.length = 0;
    await first.createEvent(ORG_A, event(5));
    expect(statements[0]).toMatch(/^with "moved"/);
    expect(statements.slice(1)).toContain('begin');
    const sealed = await first.readSequencedEvents({ organizationId: ORG_A, afterPosition: 0, limit: 10 });
    expect(sealed.map((row) => row.position)).toEqual([1, 2, 3, 4, 5]);
    expect(await first.verify({ organizationId: ORG_A })).toMatchObject({ ok: true, checked: 5 });
    // Remembered again: the next write is one statement.
    statements.length = 0;
    await first.createEvent(ORG_A, event(6));
    expect(statements).toHaveLength(1);
    expect(await first.verify({ organizationId: ORG_A })).toMatchObject({ ok: true, checked: 6 });
  });
});
