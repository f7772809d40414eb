// The conformance suite's tamper hooks for AuditKit's SQL tables, on a raw driver connection
// (better-sqlite3 or pg): what someone with database access could run by hand.
import type { RawTamper } from '@auditkit/core/testing';

/** Runs one statement with `?` placeholders; returns the rows it selected. */
export type RawExecute = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Tamper hooks on the tables named with `table('auditkit_events')` (schema-qualified on Postgres).
 *
 * @example
 * ```ts
 * const tamper = sqlRawTamper(async (sql, params) => db.prepare(sql).all(...params), (name) => name);
 * ```
 */
export function sqlRawTamper(execute: RawExecute, table: (name: string) => string): RawTamper {
  const events = table('auditkit_events');
  const at = 'where organization_id = ? and position = ?';
  return {
    async setAction(organizationId, position, action) {
      await execute(`update ${events} set action = ? ${at}`, [action, organizationId, position]);
    },
    async deleteEvent(organizationId, position) {
      await execute(`delete from ${events} ${at}`, [organizationId, position]);
    },
    async setPosition(organizationId, from, to) {
      await execute(`update ${events} set position = ? ${at}`, [to, organizationId, from]);
    },
    async copyEvent(organizationId, from, row) {
      const [source] = await execute(`select * from ${events} ${at}`, [organizationId, from]);
      if (!source) throw new Error(`no event at ${from}`);
      // Copied by the database itself (insert … select), so every column keeps its exact type.
      const overrides: Record<string, unknown> = {
        id: row.id,
        idempotency_key: row.idempotencyKey,
        position: row.position,
        hash: row.hash,
        previous_hash: row.previousHash,
      };
      const columns = Object.keys(source);
      const values = columns.map((column) => (column in overrides ? '?' : `"${column}"`));
      await execute(
        `insert into ${events} (${columns.map((column) => `"${column}"`).join(', ')}) select ${values.join(', ')} from ${events} ${at}`,
        [
          ...columns.filter((column) => column in overrides).map((column) => overrides[column]),
          organizationId,
          from,
        ],
      );
    },
    async setLink(organizationId, position, link) {
      await execute(`update ${events} set hash = ?, previous_hash = ? ${at}`, [
        link.hash,
        link.previousHash,
        organizationId,
        position,
      ]);
    },
    async setHead(organizationId, head) {
      await execute(
        `update ${table('auditkit_sequence_heads')} set position = ?, hash = ? where organization_id = ?`,
        [head.position, head.hash, organizationId],
      );
    },
    async setCheckpointHash(organizationId, size, hash) {
      await execute(
        `update ${table('auditkit_checkpoints')} set hash = ? where organization_id = ? and size = ?`,
        [hash, organizationId, size],
      );
    },
    async deleteCheckpoints(organizationId) {
      await execute(`delete from ${table('auditkit_checkpoints')} where organization_id = ?`, [
        organizationId,
      ]);
    },
  };
}
