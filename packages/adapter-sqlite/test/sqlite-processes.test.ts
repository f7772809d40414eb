import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import {
  countEvents,
  declareSchemas,
  runTypeScriptProcess,
  signInEvent,
  startTypeScriptProcess,
} from '@auditkit/core/testing';
import { expect, it } from 'vitest';

const worker = fileURLToPath(new URL('./fixtures/open-and-write.ts', import.meta.url));
const conformanceWorker = fileURLToPath(new URL('./fixtures/conformance-worker.ts', import.meta.url));
// Each process boots TypeScript (a couple of CPU-seconds); on the 2-core CI machine under load six
// rounds of two took over the default minute.
const PROCESS_TEST_TIMEOUT_MS = 240_000;

it(
  'migrates safely when two processes open a new database file at once',
  async () => {
    // Several rounds: the two processes collide at a different moment of opening each time.
    for (let round = 0; round < 6; round++) {
      const filename = join(mkdtempSync(join(tmpdir(), 'auditkit-migrate-')), 'audit.db');
      const results = await Promise.all([
        runTypeScriptProcess(worker, [filename, 'org_1', '0']),
        runTypeScriptProcess(worker, [filename, 'org_1', '0']),
      ]);
      for (const result of results) expect(result.stderr).toBe('');
      expect(results.map((result) => result.code)).toEqual([0, 0]);
      const auditLog = await createAuditLog({ store: sqliteStore({ filename }) });
      expect((await auditLog.listSchemas({ action: 'user.signed_in' })).data).toHaveLength(1);
      await auditLog.close();
    }
  },
  PROCESS_TEST_TIMEOUT_MS,
);

it(
  'stores each key once when four processes write the same 200 keys to one file',
  async () => {
    const filename = join(mkdtempSync(join(tmpdir(), 'auditkit-race-')), 'audit.db');
    const results = await Promise.all(
      Array.from({ length: 4 }, () => runTypeScriptProcess(worker, [filename, 'org_race', '200'])),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const idLists = results.map((result) => JSON.parse(result.stdout) as string[]);
    for (const ids of idLists) expect(ids).toEqual(idLists[0]);
    const auditLog = await createAuditLog({ store: sqliteStore({ filename }) });
    expect(await countEvents(auditLog, 'org_race')).toBe(200);
    await auditLog.close();
  },
  PROCESS_TEST_TIMEOUT_MS,
);

it('reports a database failure as storage_error with the driver error as cause', async () => {
  const filename = join(mkdtempSync(join(tmpdir(), 'auditkit-broken-')), 'missing-dir', 'audit.db');
  const error = await createAuditLog({ store: sqliteStore({ filename }) }).catch((reason: unknown) => reason);
  expect(error).toMatchObject({ name: 'AuditKitError', code: 'storage_error' });
  expect((error as Error).cause).toBeInstanceOf(Error);
});

it('survives processes killed with SIGKILL while migrating a new file', async () => {
  const filename = join(mkdtempSync(join(tmpdir(), 'auditkit-kill-migrate-')), 'audit.db');
  const signals: (string | null)[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    const child = startTypeScriptProcess(conformanceWorker, ['open', filename, 'org_1']);
    await new Promise<void>((resolve) => {
      // "opening" is printed right before createAuditLog: kill somewhere inside the migration.
      child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), attempt * 4));
      child.on('close', () => resolve());
    });
    signals.push(child.signalCode);
  }
  expect(signals.filter((signal) => signal === 'SIGKILL').length).toBeGreaterThan(0);
  const auditLog = await createAuditLog({ store: sqliteStore({ filename }) });
  await declareSchemas(auditLog);
  const event = await auditLog.createEvent('org_1', signInEvent());
  expect((await auditLog.listEvents({ organizationId: 'org_1' })).data.map((stored) => stored.id)).toEqual([
    event.id,
  ]);
  await auditLog.close();
}, 300_000);
