// Exports read one cursor; a cursor the server dropped mid-way is reopened after the last event
// handed out, so the export still holds every event exactly once.
import { mongoStore } from '@auditkit/adapter-mongo';
import { type AuditLogEvent, createAuditLog } from '@auditkit/core';
import { ORG_A } from '@auditkit/core/testing';
import type { Collection, FindCursor } from 'mongodb';
import { expect, it } from 'vitest';
import type { MongoCollections } from '../src/mongo-collections.js';
import { streamEventPages } from '../src/mongo-event-queries.js';
import { rawCollections, useRawClient } from './raw-collections.js';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();
const raw = useRawClient(databases.url);

/** The collection, except that its first `lost` cursors fail as timed-out cursors after `after` documents. */
function losingCursors<T extends object>(collection: Collection<T>, after: number, lost = 1): Collection<T> {
  let opened = 0;
  return new Proxy(collection, {
    get(target, key) {
      if (key !== 'find') return Reflect.get(target, key);
      return (...args: Parameters<Collection<T>['find']>) => {
        const cursor = target.find(...args);
        if (opened++ >= lost) return cursor;
        let served = 0;
        const failing = {
          sort(...sort: Parameters<FindCursor['sort']>) {
            cursor.sort(...sort);
            return failing;
          },
          batchSize(size: number) {
            cursor.batchSize(size);
            return failing;
          },
          close: () => cursor.close(),
          get killed() {
            return cursor.killed;
          },
          get id() {
            return cursor.id;
          },
          async *[Symbol.asyncIterator]() {
            for await (const document of cursor) {
              if (served++ === after) throw Object.assign(new Error('cursor id 42 not found'), { code: 43 });
              yield document;
            }
          },
        };
        return failing;
      };
    },
  });
}

async function storeEvents(dbName: string, count: number) {
  const auditLog = await createAuditLog({
    store: mongoStore({ client: raw, dbName }),
    requireSchemas: false,
  });
  const stored = await auditLog.createEvents(
    ORG_A,
    Array.from({ length: count }, (_, i) => ({
      action: 'user.signed_in',
      // Pairs share a time, so the reopened cursor must also order by id.
      occurredAt: new Date(Date.UTC(2024, 0, 1, 0, 0, Math.floor(i / 2))),
      actor: { type: 'user', id: `user_${i}` },
      targets: [],
      context: { location: '10.0.0.1' },
    })),
  );
  await auditLog.close();
  return stored;
}

it('reopens a dropped cursor after the last event yielded: every event once, in order', async () => {
  const dbName = databases.next();
  const stored = await storeEvents(dbName, 35);

  const { events } = rawCollections(raw, dbName);
  const flaky = losingCursors(events, 15) as unknown as MongoCollections['events'];
  const pages: AuditLogEvent[][] = [];
  for await (const page of streamEventPages(flaky, { organizationId: ORG_A }, 10)) pages.push(page);

  const expected = [...stored].sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.id < b.id ? -1 : 1),
  );
  expect(pages.flat().map((event) => event.id)).toEqual(expected.map((event) => event.id));
  expect(pages.every((page) => page.length > 0 && page.length <= 10)).toBe(true);
});

it('gives up when cursors keep being dropped before a page is read', async () => {
  const dbName = databases.next();
  await storeEvents(dbName, 35);
  const { events } = rawCollections(raw, dbName);
  const hopeless = losingCursors(events, 5, 2) as unknown as MongoCollections['events'];
  const pages: AuditLogEvent[][] = [];
  const reading = (async () => {
    for await (const page of streamEventPages(hopeless, { organizationId: ORG_A }, 10)) pages.push(page);
  })();
  await expect(reading).rejects.toMatchObject({ code: 43 });
  expect(pages).toEqual([]);
});
