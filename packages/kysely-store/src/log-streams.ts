import type { AuditStore, LogStreamRecord, LogStreamState } from '@auditkit/core/store';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { SqlDialectTraits } from './dialect-traits.js';
import type { AuditDatabase, LogStreamsTable } from './tables.js';

type LogStreamMethods = Pick<
  AuditStore,
  'insertLogStream' | 'getLogStream' | 'listLogStreams' | 'updateLogStream' | 'deleteLogStream'
>;

/**
 * The log stream methods on one SQL database. Every change is one `UPDATE … WHERE` carrying its
 * conditions, so the database decides (fencing token, cursor, state) and two processes can never
 * both move a cursor from the same place.
 *
 * @example
 * ```ts
 * const streams = sqlLogStreams(db, traits);
 * const moved = await streams.updateLogStream(id, { cursor: 200, updatedAt: new Date() }, { deliveryToken: 3, cursor: 100 });
 * ```
 */
export function sqlLogStreams(db: Kysely<AuditDatabase>, traits: SqlDialectTraits): LogStreamMethods {
  const toRecord = (row: Selectable<LogStreamsTable>): LogStreamRecord => {
    const record: LogStreamRecord = {
      id: row.id,
      organizationId: row.organization_id,
      type: row.type,
      destination: row.destination,
      state: row.state as LogStreamState,
      cursor: Number(row.cursor),
      deliveryToken: Number(row.delivery_token),
      createdAt: traits.decodeTime(row.created_at),
      updatedAt: traits.decodeTime(row.updated_at),
    };
    if (row.last_synced_at !== null && row.last_synced_at !== undefined)
      record.lastSyncedAt = traits.decodeTime(row.last_synced_at);
    if (row.last_error !== null) record.lastError = row.last_error;
    return record;
  };
  return {
    async insertLogStream(record) {
      await db
        .insertInto('auditkit_log_streams')
        .values({
          id: record.id,
          organization_id: record.organizationId,
          type: record.type,
          destination: record.destination,
          state: record.state,
          cursor: record.cursor,
          delivery_token: record.deliveryToken,
          last_synced_at: record.lastSyncedAt ? traits.encodeTime(record.lastSyncedAt) : null,
          last_error: record.lastError ?? null,
          created_at: traits.encodeTime(record.createdAt),
          updated_at: traits.encodeTime(record.updatedAt),
        })
        .execute();
    },
    async getLogStream(id) {
      const row = await db
        .selectFrom('auditkit_log_streams')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toRecord(row);
    },
    async listLogStreams({ organizationId }) {
      let query = db.selectFrom('auditkit_log_streams').selectAll();
      if (organizationId !== undefined) query = query.where('organization_id', '=', organizationId);
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      return rows.map(toRecord);
    },
    async updateLogStream(id, change, when = {}) {
      const set: Updateable<LogStreamsTable> = { updated_at: traits.encodeTime(change.updatedAt) };
      if (change.state !== undefined) set.state = change.state;
      if (change.cursor !== undefined) set.cursor = change.cursor;
      if (change.deliveryToken !== undefined) set.delivery_token = change.deliveryToken;
      if (change.lastSyncedAt !== undefined)
        set.last_synced_at = change.lastSyncedAt === null ? null : traits.encodeTime(change.lastSyncedAt);
      if (change.lastError !== undefined) set.last_error = change.lastError;
      let update = db.updateTable('auditkit_log_streams').set(set).where('id', '=', id);
      if (when.states !== undefined) {
        if (when.states.length === 0) return false;
        update = update.where('state', 'in', when.states);
      }
      if (when.deliveryToken !== undefined) update = update.where('delivery_token', '=', when.deliveryToken);
      if (when.deliveryTokenBelow !== undefined)
        update = update.where('delivery_token', '<', when.deliveryTokenBelow);
      if (when.cursor !== undefined) update = update.where('cursor', '=', when.cursor);
      const result = await update.executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteLogStream(id) {
      const result = await db.deleteFrom('auditkit_log_streams').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
