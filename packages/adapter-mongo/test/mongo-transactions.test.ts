import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog } from '@auditkit/core';
import { countEvents, declareSchemas, ORG_A, signInEvent } from '@auditkit/core/testing';
import { MongoClient } from 'mongodb';
import { expect, inject, it } from 'vitest';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();

it('refuses to bind to a ClientSession with transactions_unsupported, naming why, and writes nothing', async () => {
  const client = new MongoClient(databases.url);
  const session = client.startSession();
  try {
    const auditLog = await createAuditLog({ store: mongoStore({ client, dbName: databases.next() }) });
    await declareSchemas(auditLog);
    session.startTransaction();
    let refusal: unknown;
    try {
      auditLog.withTransaction(session).createEvent(ORG_A, signInEvent());
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ name: 'AuditKitError', code: 'transactions_unsupported' });
    // The test server is FerretDB unless MONGODB_URL names another; each reason is specific.
    expect((refusal as Error).message).toMatch(
      inject('mongoIsFerretDB')
        ? /FerretDB \S+ has no multi-document transactions/
        : /standalone MongoDB server|does not yet write through a ClientSession/,
    );
    expect((refusal as Error).message).toMatch(/Nothing was written/);
    expect(await countEvents(auditLog, ORG_A)).toBe(0);
    await auditLog.close();
  } finally {
    await session.endSession();
    await client.close();
  }
});
