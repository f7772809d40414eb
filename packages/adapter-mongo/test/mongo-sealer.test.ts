import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog } from '@auditkit/core';
import { chainEvents, type EventRow } from '@auditkit/core/store';
import { ORG_A } from '@auditkit/core/testing';
import { type Db, MongoClient } from 'mongodb';
import { afterAll, expect, it } from 'vitest';
import { type MongoCollections, openCollections } from '../src/mongo-collections.js';
import { keyId } from '../src/mongo-documents.js';
import { ensureIndexes } from '../src/mongo-indexes.js';
import { sealEvents } from '../src/mongo-sealer.js';
import { getSequenceHead, readSequencedEvents } from '../src/mongo-sequence.js';
import { markUnsealedEvents } from '../src/mongo-unsealed-migration.js';
import { eventRow } from './event-rows.js';
import { rawCollections } from './raw-collections.js';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();
const client = new MongoClient(databases.url);
afterAll(() => client.close());

/** Event documents as the insert path stores them, with their sealer markers. */
async function insertUnsealed(collections: MongoCollections, rows: readonly EventRow[]): Promise<void> {
  await collections.unsealed.insertMany(
    rows.map((row) => ({
      _id: row.id,
      organization_id: row.organizationId,
      key_id: keyId(row.organizationId, row.idempotencyKey),
      created_at: new Date(),
    })),
  );
  await collections.events.insertMany(
    rows.map((row) => ({
      _id: row.id,
      organization_id: row.organizationId,
      action: row.action,
      version: row.version,
      occurred_at: row.occurredAt,
      actor: row.actor,
      targets: [],
      context: row.context,
      metadata: row.metadata,
      received_at: row.receivedAt,
      idempotency_key: row.idempotencyKey,
    })),
  );
}

/** A new database's collections, with their indexes. */
async function freshCollections(): Promise<{ db: Db; collections: MongoCollections }> {
  const db = client.db(databases.next());
  const collections = openCollections(db, 'auditkit_');
  await ensureIndexes(collections);
  return { db, collections };
}

/** A sign-in by user `userId` (the schema `user.signed_in` with no targets). */
function signIn(userId: string, occurredAt: Date) {
  return {
    action: 'user.signed_in',
    occurredAt,
    actor: { type: 'user', id: userId },
    targets: [],
    context: { location: '10.0.0.1' },
  };
}

// A seal cut short after its head claimed the links and half of them were inserted (what a crash
// between the writes leaves): the next run completes it, without a gap or a double position.
it('completes a seal cut short half-way through its writes: positions 1..n once each, links chained', async () => {
  const { db, collections } = await freshCollections();
  const rows = Array.from({ length: 10 }, (_, i) => eventRow(`crash-${i}`, `fp-${i}`));
  await insertUnsealed(collections, rows);
  // The links collection of the crashing sealer: it inserts 5 links, then "crashes".
  const crashing = {
    ...collections,
    links: new Proxy(collections.links, {
      get(target, key, receiver) {
        if (key !== 'insertMany') return Reflect.get(target, key, receiver);
        return async (documents: Parameters<typeof target.insertMany>[0]) => {
          await target.insertMany(documents.slice(0, 5));
          throw new Error('crashed mid-seal');
        };
      },
    }),
  };
  await expect(sealEvents(crashing, db, chainEvents, 500)).rejects.toThrow('crashed mid-seal');
  const organizationId = rows[0]?.organizationId as string;
  // Claimed but not complete: readers see nothing yet.
  expect(await getSequenceHead(collections, organizationId)).toBeUndefined();
  expect(await readSequencedEvents(collections, { organizationId, afterPosition: 0, limit: 100 })).toEqual(
    [],
  );
  expect(await collections.links.countDocuments({})).toBe(5);
  expect(await collections.unsealed.countDocuments({})).toBe(10);

  // The next run completes the claim (it seals nothing new of its own).
  await sealEvents(collections, db, chainEvents, 500);
  const sealed = await readSequencedEvents(collections, { organizationId, afterPosition: 0, limit: 100 });
  expect(sealed.map((event) => event.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(new Set(sealed.map((event) => event.event.id)).size).toBe(10);
  const recomputed = chainEvents(
    undefined,
    sealed.map((event) => ({ event: event.event, idempotencyKey: event.idempotencyKey })),
  );
  expect(sealed.map(({ position, hash, previousHash }) => ({ position, hash, previousHash }))).toEqual(
    recomputed,
  );
  expect(await getSequenceHead(collections, organizationId)).toEqual({ position: 10, hash: sealed[9]?.hash });
  expect(await collections.heads.countDocuments({ pending: { $exists: true } })).toBe(0);
  expect(await collections.unsealed.countDocuments({})).toBe(0);
});

// FerretDB 1.24 holds one SQLite connection per statement of an update command until the command
// returns, from 100 per database: a seal that wrote 300 links as updates in one command never
// returned, and left the database answering nobody. Links are now inserted, in one command.
it('seals 300 events in one run (more links than FerretDB has connections per database)', async () => {
  const { db, collections } = await freshCollections();
  const rows = Array.from({ length: 300 }, (_, i) => eventRow(`many-${i}`, `fp-many-${i}`));
  await insertUnsealed(collections, rows);
  expect(await sealEvents(collections, db, chainEvents, 500)).toBe(300);
  const organizationId = rows[0]?.organizationId as string;
  const sealed = await readSequencedEvents(collections, { organizationId, afterPosition: 0, limit: 1000 });
  expect(sealed.map((event) => event.position)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  expect(sealed.map((event) => event.event.id)).toEqual(rows.map((row) => row.id));
}, 120_000);

// A database written by a release before the sealer holds events without markers: the start-up
// migration marks them, once, and the sealer then gives them positions.
it('marks the events of a database written before the sealer at open, so that they are sealed', async () => {
  const { db, collections } = await freshCollections();
  const rows = Array.from({ length: 25 }, (_, i) => eventRow(`old-${i}`, `fp-old-${i}`));
  await insertUnsealed(collections, rows);
  await collections.unsealed.deleteMany({});
  expect(await sealEvents(collections, db, chainEvents, 500)).toBe(0);

  await markUnsealedEvents(collections);
  await markUnsealedEvents(collections); // recorded: the second start-up changes nothing
  expect(await collections.unsealed.countDocuments({})).toBe(25);
  expect(await sealEvents(collections, db, chainEvents, 500)).toBe(25);
  const organizationId = rows[0]?.organizationId as string;
  const sealed = await readSequencedEvents(collections, { organizationId, afterPosition: 0, limit: 100 });
  expect(sealed.map((event) => event.position)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  expect(await collections.migrations.countDocuments({ _id: 'unsealed_markers' })).toBe(1);
});

// Writers drop the markers of event ids nobody will write (a replayed row's own id, the rows of a
// call core decided was a conflict), so after a seal none is left over and every event is linked.
it('leaves no marker behind for replays and conflicts, and links every stored event once', async () => {
  const dbName = databases.next();
  const auditLog = await createAuditLog({ store: mongoStore({ client, dbName }) });
  try {
    await auditLog.createSchema({ action: 'user.signed_in', targets: [] });
    const event = (id: string) => signIn(id, new Date('2024-05-01T12:00:00Z'));
    const first = await auditLog.createEvent(ORG_A, event('u1'), { idempotencyKey: 'k1' });
    const replay = await auditLog.createEvent(ORG_A, event('u1'), { idempotencyKey: 'k1' });
    expect(replay.id).toBe(first.id);
    await expect(auditLog.createEvent(ORG_A, event('u2'), { idempotencyKey: 'k1' })).rejects.toMatchObject({
      code: 'idempotency_conflict',
    });
    // A batch with one new key and one conflicting key stores nothing.
    await expect(
      auditLog.createEvents(ORG_A, [
        { event: event('u3'), idempotencyKey: 'k3' },
        { event: event('u2'), idempotencyKey: 'k1' },
      ]),
    ).rejects.toMatchObject({ code: 'idempotency_conflict' });
    await auditLog.createEvents(ORG_A, [
      { event: event('u1'), idempotencyKey: 'k1' },
      { event: event('u4'), idempotencyKey: 'k4' },
    ]);
    await auditLog.sealPendingEvents();

    const collections = rawCollections(client, dbName);
    expect(await collections.unsealed.countDocuments({})).toBe(0);
    const eventIds = (await collections.events.find({}).toArray()).map((document) => document._id).sort();
    const linked = (await collections.links.find({}).toArray()).map((link) => link._id).sort();
    expect(eventIds).toHaveLength(2);
    expect(linked).toEqual(eventIds);
  } finally {
    await auditLog.close();
  }
});

// After a write, core nudges the sealer (sequence.sealDelayMs later) rather than leaving the event
// to the next interval run: single createEvent calls (group commit) included. The interval here
// is a minute, so only the nudge can seal within the 10 s this waits.
it('seals a single createEvent shortly after it resolves, without waiting for the interval run', async () => {
  const auditLog = await createAuditLog({
    store: mongoStore({ client, dbName: databases.next() }),
    sequence: { sealIntervalMs: 60_000 },
  });
  try {
    await auditLog.createSchema({ action: 'user.signed_in', targets: [] });
    for (let i = 1; i <= 3; i++) {
      await auditLog.createEvent(ORG_A, signIn(`u${i}`, new Date()));
      const deadline = Date.now() + 10_000;
      while (((await auditLog.getSequenceHead(ORG_A))?.position ?? 0) < i && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await auditLog.getSequenceHead(ORG_A))?.position).toBe(i);
    }
  } finally {
    await auditLog.close();
  }
});

// A writer that crashed after writing a large batch's markers (before its keys and events) leaves
// markers with no event in front of every later one: the sealer passes over them, page by page,
// instead of finding nothing to seal until they expire ten minutes later.
it('seals the events behind more event-less markers than one scan takes', async () => {
  const { db, collections } = await freshCollections();
  await collections.unsealed.insertMany(
    Array.from({ length: 30 }, (_, i) => ({
      _id: `audit_log_event_CRASH${String(i).padStart(21, '0')}`,
      organization_id: ORG_A,
      key_id: keyId(ORG_A, `crashed-${i}`),
      created_at: new Date(),
    })),
  );
  const rows = Array.from({ length: 5 }, (_, i) => eventRow(`behind-${i}`, `fp-behind-${i}`));
  await insertUnsealed(collections, rows);
  // 10 markers per scan: three pages of event-less markers before the five events.
  expect(await sealEvents(collections, db, chainEvents, 10)).toBe(5);
  const sealed = await readSequencedEvents(collections, {
    organizationId: ORG_A,
    afterPosition: 0,
    limit: 100,
  });
  expect(sealed.map((event) => event.event.id)).toEqual(rows.map((row) => row.id));
  // Not old enough to be abandoned: the crashed writer's markers stay.
  expect(await collections.unsealed.countDocuments({})).toBe(30);
});
