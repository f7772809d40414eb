import { createServer } from 'node:net';
import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog, isAuditKitError } from '@auditkit/core';
import { guardStore } from '@auditkit/core/store';
import { MongoClient } from 'mongodb';
import { expect, it } from 'vitest';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

it('reports an unreachable server as storage_error with the driver error as cause', async () => {
  const url = `mongodb://127.0.0.1:${await closedPort()}`;
  const store = mongoStore({ url, dbName: 'unreachable', clientOptions: { serverSelectionTimeoutMS: 300 } });
  const error = await failure(createAuditLog({ store }));
  expect(isAuditKitError(error, 'storage_error')).toBe(true);
  expect((error as Error).message).toMatch(/open the store \(mongo\)/);
  expect((error as Error).cause).toMatchObject({ name: 'MongoServerSelectionError' });
});

it('reports the failures of an application client the same way, and leaves it to the application', async () => {
  const client = new MongoClient(`mongodb://127.0.0.1:${await closedPort()}`, {
    serverSelectionTimeoutMS: 300,
  });
  try {
    const error = await failure(createAuditLog({ store: mongoStore({ client, dbName: 'unreachable' }) }));
    expect(error).toMatchObject({ code: 'storage_error', cause: { name: 'MongoServerSelectionError' } });
  } finally {
    await client.close();
  }
});

it('wraps a failing write as storage_error', async () => {
  const store = guardStore(mongoStore({ url: databases.url, dbName: databases.next() }));
  await store.open();
  try {
    const record = {
      id: 'audit_log_export_twice',
      state: 'pending' as const,
      organizationId: 'org_1',
      format: 'csv' as const,
      filters: '{}',
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    await store.insertExport(record);
    const error = await failure(store.insertExport(record));
    expect(error).toMatchObject({ code: 'storage_error', cause: { code: 11000 } });
  } finally {
    await store.close();
  }
});

it('fails calls on a store that is not open as storage_error', async () => {
  const store = guardStore(mongoStore({ url: databases.url, dbName: databases.next() }));
  const error = await failure(store.getRetention('org_1'));
  expect(error).toMatchObject({ code: 'storage_error', message: expect.stringMatching(/not open/) });
});

it('rejects options without a database name or a way to connect as invalid_request', () => {
  for (const options of [
    { url: 'mongodb://127.0.0.1:27017', dbName: '' },
    { dbName: 'audit' },
    {
      url: 'mongodb://127.0.0.1:27017',
      client: new MongoClient('mongodb://127.0.0.1:27017'),
      dbName: 'audit',
    },
  ]) {
    expect(() => mongoStore(options as never), JSON.stringify(Object.keys(options))).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  }
});

it('reports a connection lost in the middle of an export as storage_error', async () => {
  const client = await new MongoClient(databases.url).connect();
  const auditLog = await createAuditLog({
    store: mongoStore({ client, dbName: databases.next() }),
    requireSchemas: false,
    exportPageSize: 10,
  });
  const event = (i: number) => ({
    action: 'user.signed_in',
    occurredAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)),
    actor: { type: 'user', id: `user_${i}` },
    targets: [],
    context: { location: '127.0.0.1' },
  });
  await auditLog.createEvents(
    'org_1',
    Array.from({ length: 50 }, (_, i) => event(i)),
  );
  let chunks = 0;
  const exporting = (async () => {
    for await (const _chunk of auditLog.exportEvents({
      organizationId: 'org_1',
      rangeStart: new Date('2024-01-01T00:00:00Z'),
      rangeEnd: new Date('2024-01-02T00:00:00Z'),
    })) {
      if (++chunks === 2) await client.close(true);
    }
  })();
  const error = await failure(exporting);
  expect(chunks).toBe(2);
  expect(isAuditKitError(error, 'storage_error')).toBe(true);
  expect((error as Error).message).toMatch(/stream events \(mongo\)/);
  expect((error as Error).cause).toBeInstanceOf(Error);
});
