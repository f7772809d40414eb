import { fileURLToPath } from 'node:url';
import { postgresStore } from '@auditkit/adapter-postgres';
import { createAuditLog } from '@auditkit/core';
import { countEvents, type ProcessResult, runTypeScriptProcess } from '@auditkit/core/testing';
import { SQL_SCHEMAS, sqlMigrations } from '@auditkit/kysely-store';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';
import { closeStartBarrier } from './start-barrier.js';

const connectionString = inject('postgresUrl');
const worker = fileURLToPath(new URL('./fixtures/open-and-write.ts', import.meta.url));
const pool = new pg.Pool({ connectionString, max: 2 });
afterAll(() => pool.end());

/** Starts `count` copies of the worker and lets them all go at once. */
async function race(count: number, args: string[], barrierKey: number): Promise<ProcessResult[]> {
  const barrier = await closeStartBarrier(pool, barrierKey);
  const running = Array.from({ length: count }, () =>
    runTypeScriptProcess(worker, [connectionString, ...args], { env: barrier.env }),
  );
  await barrier.release(count);
  return Promise.all(running);
}

// Booting a TypeScript process costs a couple of CPU-seconds; on a small or busy machine several
// of them at once need far longer than the default test timeout.
const PROCESS_TEST_TIMEOUT_MS = 240_000;

it(
  'migrates once when eight processes open a fresh schema at the same instant',
  async () => {
    const schema = 'migrate_race';
    const results = await race(8, [schema, 'org_1'], 7_000);
    for (const result of results)
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const migrations = await pool.query(`select name from "${schema}".auditkit_migration order by name`);
    expect(migrations.rows).toEqual(
      Object.keys(sqlMigrations(SQL_SCHEMAS.postgres))
        .sort()
        .map((name) => ({ name })),
    );
    const auditLog = await createAuditLog({ store: postgresStore({ pool, schema }) });
    expect((await auditLog.listSchemas({ action: 'user.signed_in' })).data).toHaveLength(1);
    await auditLog.close();
  },
  PROCESS_TEST_TIMEOUT_MS,
);

it(
  'stores each key once when eight processes race on the same 1,000 keys',
  async () => {
    const schema = 'key_race';
    const results = await race(8, [schema, 'org_race', '1000', '10'], 7_100);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const idLists = results.map((result) => JSON.parse(result.stdout) as string[]);
    expect(new Set(idLists[0]).size).toBe(1000);
    for (const ids of idLists) expect(ids).toEqual(idLists[0]);

    const auditLog = await createAuditLog({ store: postgresStore({ pool, schema }) });
    expect(await countEvents(auditLog, 'org_race')).toBe(1000);
    await auditLog.close();
    const stored = await pool.query<{ events: string; keys: string }>(
      `select count(*) as events, count(distinct idempotency_key) as keys from "${schema}".auditkit_events`,
    );
    expect(stored.rows).toEqual([{ events: '1000', keys: '1000' }]);
  },
  PROCESS_TEST_TIMEOUT_MS,
);
