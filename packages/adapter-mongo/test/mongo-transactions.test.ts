import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog } from '@auditkit/core';
import { countEvents, declareSchemas, ORG_A, signInEvent } from '@auditkit/core/testing';
import { MongoClient } from 'mongodb';
import { expect, inject, it } from 'vitest';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();

it('binds to a ClientSession only on a server with transactions; elsewhere refuses with transactions_unsupported, naming why, and writes nothing', async () => {
  const client = new MongoClient(databases.url);
  const session = client.startSession();
  try {
    const store = mongoStore({ client, dbName: databases.next() });
    const auditLog = await createAuditLog({ store });
    await declareSchemas(auditLog);
    // The capability is learnt from the server when the store opens.
    expect(store.capabilities.transactions).toBe(inject('mongoHasTransactions'));
    session.startTransaction();
    let refusal: unknown;
    try {
      await auditLog.withTransaction(session).createEvent(ORG_A, signInEvent());
    } catch (error) {
      refusal = error;
    }
    if (inject('mongoHasTransactions')) {
      // A replica set (MONGODB_URL): the event is written in the session's transaction.
      expect(refusal).toBeUndefined();
      await session.abortTransaction();
    } else {
      expect(refusal).toMatchObject({ name: 'AuditKitError', code: 'transactions_unsupported' });
      // The test server is FerretDB unless MONGODB_URL names another; each reason is specific.
      expect((refusal as Error).message).toMatch(
        inject('mongoIsFerretDB')
          ? /FerretDB \S+ has no multi-document transactions/
          : /standalone MongoDB server|does not support sessions/,
      );
      expect((refusal as Error).message).toMatch(/Nothing was written/);
    }
    expect(await countEvents(auditLog, ORG_A)).toBe(0);
    await auditLog.close();
  } finally {
    await session.endSession();
    await client.close();
  }
});
