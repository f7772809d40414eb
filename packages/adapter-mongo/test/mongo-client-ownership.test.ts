import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog } from '@auditkit/core';
import { declareSchemas, ORG_A, signInEvent } from '@auditkit/core/testing';
import { MongoClient } from 'mongodb';
import { expect, it } from 'vitest';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();

it('never closes the client the application passed in', async () => {
  const client = new MongoClient(databases.url);
  let closed = 0;
  client.on('topologyClosed', () => closed++);
  try {
    const dbName = databases.next();
    // Not connected yet: the driver connects on first use, and the store must not need more.
    const auditLog = await createAuditLog({ store: mongoStore({ client, dbName }) });
    await declareSchemas(auditLog);
    const event = await auditLog.createEvent(ORG_A, signInEvent());
    await auditLog.close();

    // The application keeps using its client, on AuditKit's data and its own.
    expect(
      await client
        .db(dbName)
        .collection('auditkit_events')
        .countDocuments({ _id: event.id as never }),
    ).toBe(1);
    await client.db(dbName).collection('app_data').insertOne({ still: 'usable' });
    const reopened = await createAuditLog({ store: mongoStore({ client, dbName }) });
    expect((await reopened.listEvents({ organizationId: ORG_A })).data.map((e) => e.id)).toEqual([event.id]);
    await reopened.close();
    expect(closed).toBe(0);
  } finally {
    await client.close();
  }
});

it('keeps its collections apart from the application’s under another prefix', async () => {
  const client = new MongoClient(databases.url);
  try {
    const dbName = databases.next();
    const auditLog = await createAuditLog({
      store: mongoStore({ client, dbName, collectionPrefix: 'audit_' }),
    });
    await auditLog.setRetention(ORG_A, { retentionPeriodInDays: 7 });
    await auditLog.close();
    const names = (await client.db(dbName).listCollections().toArray()).map((collection) => collection.name);
    expect(names).toContain('audit_retention');
    expect(names.some((name) => name.startsWith('auditkit_'))).toBe(false);
  } finally {
    await client.close();
  }
});
