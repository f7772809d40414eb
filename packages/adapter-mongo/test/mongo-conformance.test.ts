import { mongoStore } from '@auditkit/adapter-mongo';
import { type RawTamper, runStoreConformance } from '@auditkit/core/testing';
import { MongoClient } from 'mongodb';
import { afterAll, describe, inject } from 'vitest';
import { testS3Storage } from '../../s3-storage/test/test-storage.js';
import { rawCollections, useRawClient } from './raw-collections.js';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();
const raw = useRawClient(databases.url);

// FerretDB 1.24 answers every filtered query by scanning and sorting the whole collection, so in
// the cases that page while another task writes, an unthrottled writer outruns the reader and the
// case never ends. One connection per store makes the server take reader and writer in turns: the
// cases still interleave writes between pages, which is what they check. MongoDB gets a full pool.
const clientOptions = inject('mongoIsFerretDB') ? { maxPoolSize: 1 } : {};

describe('mongo store on its own client', () => {
  runStoreConformance({
    makeStore: () => mongoStore({ url: databases.url, dbName: databases.next(), clientOptions }),
    reopenStore: () => mongoStore({ url: databases.url, dbName: databases.last(), clientOptions }),
    // The export-file cases run on S3 as well (the run's versitygw, or S3_ENDPOINT's service).
    exportStorages: { s3: () => testS3Storage() },
    rawTamper: () => mongoRawTamper(rawCollections(raw, databases.last())),
  });
});

// A server with transactions (MONGODB_URL naming a replica set or a sharded cluster): the whole
// suite again on the application's client, whose sessions `withTransaction` takes, with the
// caller-transaction cases. Without transactions (FerretDB, a standalone server) the first suite's
// case checks the refusal instead, and mongo-session-binding.test.ts proves that a bound store
// sends every command on the session.
if (inject('mongoHasTransactions')) {
  describe('mongo store on the application’s client, with its transactions', () => {
    const client = new MongoClient(databases.url);
    afterAll(() => client.close());
    runStoreConformance({
      makeStore: () => mongoStore({ client, dbName: databases.next() }),
      reopenStore: () => mongoStore({ client, dbName: databases.last() }),
      async beginTransaction() {
        const session = client.startSession();
        session.startTransaction();
        const notes = client.db(databases.last()).collection<{ marker: string }>('app_notes');
        return {
          handle: session,
          writeAppRow: async (marker) => {
            await notes.insertOne({ marker }, { session });
          },
          commit: async () => {
            await session.commitTransaction();
            await session.endSession();
          },
          rollback: async () => {
            await session.abortTransaction();
            await session.endSession();
          },
        };
      },
    });
  });
}

/**
 * The conformance suite's tamper hooks, on the raw driver: edits of the documents themselves. A
 * position lives in the event's link (`event_links`), so moving an event or rewriting its hashes
 * edits the link, and changing or deleting the event edits the event document.
 */
function mongoRawTamper(collections: ReturnType<typeof rawCollections>): RawTamper {
  const { events, links, heads, checkpoints } = collections;
  const linkAt = async (organizationId: string, position: number) => {
    const link = await links.findOne({ organization_id: organizationId, position });
    if (!link) throw new Error(`no link at ${position}`);
    return link;
  };
  return {
    async setAction(organizationId, position, action) {
      await events.updateOne({ _id: (await linkAt(organizationId, position))._id }, { $set: { action } });
    },
    async deleteEvent(organizationId, position) {
      await events.deleteOne({ _id: (await linkAt(organizationId, position))._id });
    },
    async setPosition(organizationId, from, to) {
      await links.updateOne({ _id: (await linkAt(organizationId, from))._id }, { $set: { position: to } });
    },
    async copyEvent(organizationId, from, row) {
      const source = await events.findOne({ _id: (await linkAt(organizationId, from))._id });
      if (!source) throw new Error(`no event at ${from}`);
      await events.insertOne({ ...source, _id: row.id, idempotency_key: row.idempotencyKey });
      await links.insertOne({
        _id: row.id,
        organization_id: organizationId,
        position: row.position,
        hash: row.hash,
        previous_hash: row.previousHash,
      });
    },
    async setLink(organizationId, position, link) {
      await links.updateOne(
        { _id: (await linkAt(organizationId, position))._id },
        { $set: { hash: link.hash, previous_hash: link.previousHash } },
      );
    },
    async setHead(organizationId, head) {
      await heads.updateOne({ _id: organizationId }, { $set: { position: head.position, hash: head.hash } });
    },
    async setCheckpointHash(organizationId, size, hash) {
      await checkpoints.updateMany({ organization_id: organizationId, size }, { $set: { hash } });
    },
    async deleteCheckpoints(organizationId) {
      await checkpoints.deleteMany({ organization_id: organizationId });
    },
  };
}
