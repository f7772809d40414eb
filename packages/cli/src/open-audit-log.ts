import { existsSync } from 'node:fs';
import { mongoStore } from '@auditkit/adapter-mongo';
import { postgresStore } from '@auditkit/adapter-postgres';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { type AuditLog, type AuditStore, createAuditLog, type IntegrityOptions } from '@auditkit/core';
import pg from 'pg';
import { CliError, describeError } from './cli-error.js';
import { type DatabaseTarget, redact } from './database-url.js';

/** How long the command waits for a database server before it gives up. */
const CONNECT_TIMEOUT_MS = 10_000;

/** An opened audit log and what to close after it. */
export interface OpenedAuditLog {
  auditLog: AuditLog;
  close(): Promise<void>;
}

/**
 * Opens the audit log a URL points at (which runs AuditKit's migrations, as every application
 * start does). Only `migrate` may create a new SQLite file: for any other command a missing file
 * is almost always a mistyped path.
 *
 * @example
 * ```ts
 * const { auditLog, close } = await openAuditLog(parseDatabaseUrl('sqlite:./audit.db'), { create: false });
 * ```
 */
export async function openAuditLog(
  target: DatabaseTarget,
  options: { create: boolean; integrity?: IntegrityOptions },
): Promise<OpenedAuditLog> {
  let pool: pg.Pool | undefined;
  let store: AuditStore;
  let where: string;
  switch (target.kind) {
    case 'sqlite':
      where = `SQLite database ${target.filename}`;
      if (!options.create && target.filename !== ':memory:' && !existsSync(target.filename)) {
        throw new CliError(
          'failure',
          `no SQLite database at ${target.filename}; create one with \`auditkit migrate\``,
        );
      }
      store = sqliteStore({ filename: target.filename });
      break;
    case 'postgres':
      where = `PostgreSQL at ${redact(target.url)}`;
      pool = new pg.Pool({
        connectionString: target.url,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        max: 4,
      });
      // An idle client's error (the server restarting) must not crash the command with a stack.
      pool.on('error', () => undefined);
      store = postgresStore({ pool });
      break;
    case 'mongodb':
      where = `MongoDB at ${redact(target.url)}`;
      store = mongoStore({
        url: target.url,
        dbName: target.dbName,
        clientOptions: { serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS },
      });
      break;
  }
  let auditLog: AuditLog;
  try {
    auditLog = await createAuditLog({
      store,
      ...(options.integrity ? { integrity: options.integrity } : {}),
    });
  } catch (error) {
    await pool?.end().catch(() => undefined);
    throw new CliError('failure', `cannot open ${where}: ${describeError(error)}`, { cause: error });
  }
  return {
    auditLog,
    async close() {
      await auditLog.close();
      await pool?.end();
    },
  };
}
