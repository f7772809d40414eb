// The write path without transactions, step by step: what a crash leaves and how a retry
// converges, what a conflict rolls back, and the two orders in which a conflict's rollback and
// another writer's repair of the same key can meet.
import { mongoStore } from '@auditkit/adapter-mongo';
import { type AuditStore, createAuditLog } from '@auditkit/core';
import { declareSchemas, ORG_A, signInEvent } from '@auditkit/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventRow, insertRows } from './event-rows.js';
import { type Gate, gatedClient, signal } from './gated-client.js';
import { brokenKeyLinks, rawCollections, useRawClient } from './raw-collections.js';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();
const raw = useRawClient(databases.url);
const KEYS = 'auditkit_event_keys';

const opened: AuditStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

async function openStore(dbName: string, gate?: Gate): Promise<AuditStore> {
  const store = mongoStore(gate ? { client: gatedClient(raw, gate), dbName } : { client: raw, dbName });
  await store.open();
  opened.push(store);
  return store;
}

const row = eventRow;

describe('a crash between the key and the event', () => {
  it('lets a retry of the same content store the event under the first id and time', async () => {
    const dbName = databases.next();
    const auditLog = await createAuditLog({ store: mongoStore({ client: raw, dbName }) });
    await declareSchemas(auditLog);
    const first = await auditLog.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'crashed' });
    // What a writer that died after step 1 leaves: the key, without its event.
    await rawCollections(raw, dbName).events.deleteOne({ _id: first.id });
    expect(await brokenKeyLinks(raw, dbName)).toHaveLength(1);

    const retry = await auditLog.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'crashed' });
    expect(retry).toEqual({ ...first, replayed: true });
    expect(await brokenKeyLinks(raw, dbName)).toEqual([]);
    await expect(
      auditLog.createEvent(ORG_A, signInEvent({ metadata: { other: true } }), { idempotencyKey: 'crashed' }),
    ).rejects.toMatchObject({ code: 'idempotency_conflict' });
    await auditLog.close();
  });
});

describe('a conflicting batch', () => {
  it('deletes the keys it reserved and leaves the stored ones alone', async () => {
    const dbName = databases.next();
    const store = await openStore(dbName);
    const stored = row('taken', 'original');
    await insertRows(store, [stored]);
    const result = await insertRows(store, [
      row('fresh-1', 'a'),
      row('taken', 'changed'),
      row('fresh-2', 'b'),
    ]);
    expect(result).toEqual({ status: 'conflict', indexes: [1] });
    const { keys, events } = rawCollections(raw, dbName);
    expect(await keys.find().toArray()).toEqual([expect.objectContaining({ event_id: stored.id })]);
    expect(await events.countDocuments()).toBe(1);
  });

  it('keeps a key (and its event) that another writer claimed to repair before the rollback', async () => {
    const dbName = databases.next();
    const other = await openStore(dbName);
    await insertRows(other, [row('taken', 'original')]);
    const shared = row('shared', 'same');
    const sameContent = row('shared', 'same');
    let repaired: Awaited<ReturnType<AuditStore['insertEvents']>> | undefined;
    const rollingBack = await openStore(dbName, async (collection, method) => {
      // Between this writer's key insert and its conflict check, another writer replays the key.
      if (collection === KEYS && method === 'find' && !repaired)
        repaired = await insertRows(other, [sameContent]);
    });

    const result = await insertRows(rollingBack, [shared, row('taken', 'changed')]);

    expect(result).toEqual({ status: 'conflict', indexes: [1] });
    // The other writer found the key without its event, claimed it and wrote the event under its id.
    expect(repaired).toMatchObject({
      status: 'stored',
      events: [{ event: { id: shared.id }, replayed: true }],
    });
    expect(
      await rawCollections(raw, dbName).keys.findOne({ _id: JSON.stringify([ORG_A, 'shared']) }),
    ).toMatchObject({
      event_id: shared.id,
      claimed: true,
    });
    expect(await brokenKeyLinks(raw, dbName)).toEqual([]);
  });

  it('makes a writer whose claim came too late start over and store the event itself', async () => {
    const dbName = databases.next();
    const setup = await openStore(dbName);
    await insertRows(setup, [row('taken', 'original')]);
    const shared = row('shared', 'same');
    const late = row('shared', 'same');
    const lateAtClaim = signal();
    const rolledBack = signal();
    let lateWriter: ReturnType<AuditStore['insertEvents']> | undefined;
    let claims = 0;
    const lateStore = await openStore(dbName, async (collection, method) => {
      if (collection !== KEYS || method !== 'updateMany' || claims++ > 0) return;
      lateAtClaim.resolve();
      await rolledBack.promise;
    });
    const rollingBack = await openStore(dbName, async (collection, method) => {
      if (collection !== KEYS || method !== 'find' || lateWriter) return;
      // The late writer reads the key and finds no event, then waits at its claim for the rollback.
      lateWriter = insertRows(lateStore, [late]);
      await lateAtClaim.promise;
    });

    const result = await insertRows(rollingBack, [shared, row('taken', 'changed')]);
    rolledBack.resolve();

    expect(result).toEqual({ status: 'conflict', indexes: [1] });
    expect(await lateWriter).toMatchObject({
      status: 'stored',
      events: [{ event: { id: late.id }, replayed: false }],
    });
    expect(claims).toBe(1);
    const { events } = rawCollections(raw, dbName);
    expect(await events.countDocuments({ _id: { $in: [shared.id, late.id] } })).toBe(1);
    expect(await brokenKeyLinks(raw, dbName)).toEqual([]);
  });
});

describe('concurrent batches on a full connection pool', () => {
  it('store each key once across overlapping batches, every caller seeing the same ids', async () => {
    const dbName = databases.next();
    const auditLog = await createAuditLog({ store: mongoStore({ url: databases.url, dbName }) });
    await declareSchemas(auditLog);
    const keyed = (i: number) => ({
      event: signInEvent({ metadata: { i } }),
      idempotencyKey: `overlap-${i}`,
    });
    const batches = Array.from({ length: 12 }, (_, b) =>
      Array.from({ length: 20 }, (_, i) => keyed((b * 7 + i) % 60)),
    );
    const results = await Promise.all(batches.map((batch) => auditLog.createEvents(ORG_A, batch)));

    const idByKey = new Map<string, string>();
    let created = 0;
    for (const [b, events] of results.entries()) {
      for (const [i, event] of events.entries()) {
        const key = batches[b]?.[i]?.idempotencyKey ?? '';
        expect(idByKey.get(key) ?? event.id, key).toBe(event.id);
        idByKey.set(key, event.id);
        if (!event.replayed) created++;
      }
    }
    expect(created).toBe(idByKey.size);
    expect(await rawCollections(raw, dbName).events.countDocuments()).toBe(idByKey.size);
    expect(await brokenKeyLinks(raw, dbName)).toEqual([]);
    await auditLog.close();
  });
});

describe('retention', () => {
  it('deletes the key documents of purged events, so their keys store anew', async () => {
    const dbName = databases.next();
    const auditLog = await createAuditLog({ store: mongoStore({ client: raw, dbName }) });
    await declareSchemas(auditLog);
    const old = signInEvent({ occurredAt: new Date('2020-01-01T00:00:00.000Z') });
    const purged = await auditLog.createEvent(ORG_A, old, { idempotencyKey: 'expired' });
    const kept = await auditLog.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'recent' });
    await auditLog.setRetention(ORG_A, { retentionPeriodInDays: 30 });
    expect(await auditLog.purgeExpiredEvents({ now: new Date('2024-05-02T00:00:00.000Z') })).toMatchObject({
      deleted: 1,
    });

    const { keys } = rawCollections(raw, dbName);
    expect((await keys.find().toArray()).map((key) => key.event_id)).toEqual([kept.id]);
    const again = await auditLog.createEvent(ORG_A, old, { idempotencyKey: 'expired' });
    expect(again.replayed).toBe(false);
    expect(again.id).not.toBe(purged.id);
    expect(await brokenKeyLinks(raw, dbName)).toEqual([]);
    await auditLog.close();
  });
});
