import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import { declareSchemas, ORG_A, signInEvent } from '@auditkit/core/testing';
import Database from 'better-sqlite3';
import { afterEach, expect, it, vi } from 'vitest';

// SQLite's numeric values of PRAGMA synchronous.
const NORMAL = 1;
const FULL = 2;

const directory = mkdtempSync(join(tmpdir(), 'auditkit-sqlite-durability-'));
let files = 0;
const freshFile = () => join(directory, `audit-${files++}.db`);

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Opens an audit log on `sqliteStore(options)`, writes an event through it (so the connection
 * is the one in use), and returns `pragma` (default `synchronous`) as that very connection reports
 * it. The connection is private to the store; it is caught as it runs its first pragma.
 */
async function pragmaInEffect(
  options: Parameters<typeof sqliteStore>[0],
  pragma = 'synchronous',
): Promise<unknown> {
  const connections = new Set<Database.Database>();
  const runPragma = Database.prototype.pragma;
  vi.spyOn(Database.prototype, 'pragma').mockImplementation(function (this: Database.Database, ...args) {
    connections.add(this);
    return runPragma.apply(this, args);
  });
  const auditLog = await createAuditLog({ store: sqliteStore(options) });
  try {
    await declareSchemas(auditLog);
    await auditLog.createEvent(ORG_A, signInEvent());
    expect(connections.size).toBe(1);
    const [connection] = connections;
    vi.restoreAllMocks();
    expect(connection?.pragma('journal_mode', { simple: true })).toBe('wal');
    return connection?.pragma(pragma, { simple: true });
  } finally {
    await auditLog.close();
  }
}

it('commits durably by default: synchronous=FULL on the connection it opens', async () => {
  expect(await pragmaInEffect({ filename: freshFile() })).toBe(FULL);
  expect(await pragmaInEffect({ filename: freshFile(), synchronous: 'full' })).toBe(FULL);
});

it('uses synchronous=NORMAL only when asked to, and again on every open of the file', async () => {
  const filename = freshFile();
  expect(await pragmaInEffect({ filename, synchronous: 'normal' })).toBe(NORMAL);
  // The setting is per connection, not stored in the file: reopening without the option is durable again.
  expect(await pragmaInEffect({ filename })).toBe(FULL);
});

it("leaves an application's own database at the synchronous setting the application chose", async () => {
  for (const [setting, value] of [
    ['NORMAL', NORMAL],
    ['FULL', FULL],
  ] as const) {
    const database = new Database(freshFile());
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${setting}`);
    const auditLog = await createAuditLog({ store: sqliteStore({ database }) });
    await declareSchemas(auditLog);
    await auditLog.createEvent(ORG_A, signInEvent());
    await auditLog.close();
    expect(database.pragma('synchronous', { simple: true })).toBe(value);
    database.close();
  }
});

it('lets the write-ahead log of a file it opens grow to 4,000 pages before a checkpoint, on every open', async () => {
  const filename = freshFile();
  expect(await pragmaInEffect({ filename }, 'wal_autocheckpoint')).toBe(4000);
  expect(await pragmaInEffect({ filename, synchronous: 'normal' }, 'wal_autocheckpoint')).toBe(4000);
});

it("leaves an application's own database at its checkpoint setting", async () => {
  const database = new Database(freshFile());
  database.pragma('journal_mode = WAL');
  database.pragma('wal_autocheckpoint = 250');
  const auditLog = await createAuditLog({ store: sqliteStore({ database }) });
  await declareSchemas(auditLog);
  await auditLog.createEvent(ORG_A, signInEvent());
  await auditLog.close();
  expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(250);
  database.close();
});

it('rejects an unknown synchronous setting, and the option with an application database', () => {
  expect(() => sqliteStore({ filename: freshFile(), synchronous: 'off' as never })).toThrow(
    /synchronous.*"full" or "normal"/,
  );
  expect(() => sqliteStore({ database: new Database(':memory:'), synchronous: 'full' } as never)).toThrow(
    /synchronous/,
  );
});
