import type { AuditStore, LogStreamChange, LogStreamRecord, LogStreamState } from '@auditkit/core/store';
import { type Collection, type Filter, MongoServerError } from 'mongodb';
import type { LogStreamDocument } from './mongo-documents.js';

type LogStreamMethods = Pick<
  AuditStore,
  'insertLogStream' | 'getLogStream' | 'listLogStreams' | 'updateLogStream' | 'deleteLogStream'
>;

const isDuplicateKey = (error: unknown) => error instanceof MongoServerError && error.code === 11000;

/** `_id` of a stream's revision: unique, so of two writers of the same next revision one fails. */
const revisionId = (streamId: string, revision: number) =>
  `${streamId}:${String(revision).padStart(15, '0')}`;

const toRecord = (document: LogStreamDocument): LogStreamRecord => {
  const record: LogStreamRecord = {
    id: document.stream_id,
    organizationId: document.organization_id,
    type: document.type,
    destination: document.destination,
    state: document.state as LogStreamState,
    cursor: document.cursor,
    deliveryToken: document.delivery_token,
    createdAt: document.created_at,
    updatedAt: document.updated_at,
  };
  if (document.last_synced_at) record.lastSyncedAt = document.last_synced_at;
  if (typeof document.last_error === 'string') record.lastError = document.last_error;
  return record;
};

function applyChange(current: LogStreamDocument, change: LogStreamChange): LogStreamDocument {
  const { last_synced_at: _s, last_error: _e, ...rest } = current;
  const next: LogStreamDocument = {
    ...rest,
    _id: revisionId(current.stream_id, current.revision + 1),
    revision: current.revision + 1,
    updated_at: change.updatedAt,
  };
  const lastSyncedAt = change.lastSyncedAt === undefined ? current.last_synced_at : change.lastSyncedAt;
  const lastError = change.lastError === undefined ? current.last_error : change.lastError;
  if (lastSyncedAt) next.last_synced_at = lastSyncedAt;
  if (typeof lastError === 'string') next.last_error = lastError;
  if (change.state !== undefined) next.state = change.state;
  if (change.cursor !== undefined) next.cursor = change.cursor;
  if (change.deliveryToken !== undefined) next.delivery_token = change.deliveryToken;
  return next;
}

/**
 * Log streams as revisions: every change inserts the stream's next revision, whose `_id` is
 * unique, so of several processes changing a stream from the same revision exactly one succeeds
 * (compare-and-set by a unique key). A conditional `updateOne`/`findOneAndUpdate` would be the
 * natural tool, but FerretDB 1.x applies two racing conditional updates of one document both
 * (the conformance race case found it). Conditions are checked against the revision the change
 * is built on; a lost race re-reads and checks again. Older revisions are removed after each
 * change (revision 1 stays: its `_id` keeps the stream id unique); a deleted stream leaves a
 * tombstone revision, so a change racing the delete cannot bring it back.
 *
 * @example
 * ```ts
 * const streams = mongoLogStreams(() => collections.logStreams);
 * ```
 */
export function mongoLogStreams(collection: () => Collection<LogStreamDocument>): LogStreamMethods {
  const latest = async (streamId: string) =>
    collection().findOne({ stream_id: streamId }, { sort: { revision: -1 } });
  const prune = async (streamId: string, below: number) => {
    await collection().deleteMany({ stream_id: streamId, revision: { $gt: 1, $lt: below } });
  };
  return {
    async insertLogStream(record) {
      const document: LogStreamDocument = {
        _id: revisionId(record.id, 1),
        stream_id: record.id,
        revision: 1,
        organization_id: record.organizationId,
        type: record.type,
        destination: record.destination,
        state: record.state,
        cursor: record.cursor,
        delivery_token: record.deliveryToken,
        created_at: record.createdAt,
        updated_at: record.updatedAt,
      };
      if (record.lastSyncedAt) document.last_synced_at = record.lastSyncedAt;
      if (record.lastError !== undefined) document.last_error = record.lastError;
      await collection().insertOne(document);
    },
    async getLogStream(id) {
      const document = await latest(id);
      return document && !document.deleted ? toRecord(document) : undefined;
    },
    async listLogStreams({ organizationId }) {
      const filter: Filter<LogStreamDocument> =
        organizationId === undefined ? {} : { organization_id: organizationId };
      const documents = await collection().find(filter).sort({ stream_id: 1, revision: 1 }).toArray();
      const newest = new Map<string, LogStreamDocument>();
      for (const document of documents) newest.set(document.stream_id, document);
      return [...newest.values()]
        .filter((document) => !document.deleted)
        .map(toRecord)
        .sort(
          (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        );
    },
    async updateLogStream(id, change, when = {}) {
      for (;;) {
        const current = await latest(id);
        if (!current || current.deleted) return false;
        if (when.states !== undefined && !when.states.includes(current.state as LogStreamState)) return false;
        if (when.deliveryToken !== undefined && current.delivery_token !== when.deliveryToken) return false;
        if (when.deliveryTokenBelow !== undefined && !(current.delivery_token < when.deliveryTokenBelow))
          return false;
        if (when.cursor !== undefined && current.cursor !== when.cursor) return false;
        const next = applyChange(current, change);
        try {
          await collection().insertOne(next);
        } catch (error) {
          if (isDuplicateKey(error)) continue; // another change came first: judge the conditions again
          throw error;
        }
        await prune(id, next.revision);
        return true;
      }
    },
    async deleteLogStream(id) {
      for (;;) {
        const current = await latest(id);
        if (!current || current.deleted) return false;
        const tombstone: LogStreamDocument = { ...current, deleted: true };
        Object.assign(tombstone, {
          _id: revisionId(id, current.revision + 1),
          revision: current.revision + 1,
          destination: '{}',
        });
        try {
          await collection().insertOne(tombstone);
        } catch (error) {
          if (isDuplicateKey(error)) continue;
          throw error;
        }
        // Only the tombstone stays; revision 1 goes too, since the tombstone now holds the id.
        await collection().deleteMany({ stream_id: id, revision: { $lt: tombstone.revision } });
        return true;
      }
    },
  };
}
