import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog } from '@auditkit/core';
import { ORG_B } from '@auditkit/core/testing';
import { expect, it } from 'vitest';
import { rawCollections, useRawClient } from './raw-collections.js';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();
const client = useRawClient(databases.url);

it('fills in the organization of export documents written before exports stored it', async () => {
  const dbName = databases.next();
  // An export document as the first release wrote it: no organization_id.
  await rawCollections(client, dbName).exports.insertOne({
    _id: 'audit_log_export_old',
    state: 'ready',
    format: 'ndjson',
    filters: JSON.stringify({ organizationId: ORG_B, rangeStart: '2024-01-01T00:00:00.000Z' }),
    created_at: new Date(),
    updated_at: new Date(),
    path: '/exports/old.ndjson',
    row_count: 3,
  });

  const auditLog = await createAuditLog({ store: mongoStore({ url: databases.url, dbName }) });
  try {
    expect(await auditLog.getExport('audit_log_export_old')).toMatchObject({
      organizationId: ORG_B,
      format: 'ndjson',
      state: 'ready',
      rowCount: 3,
    });
    const stored = await rawCollections(client, dbName).exports.findOne({ _id: 'audit_log_export_old' });
    expect(stored?.organization_id).toBe(ORG_B);
  } finally {
    await auditLog.close();
  }
});
