import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog, memoryStore } from '@auditkit/core';
import { createAuditLogHandler } from '@auditkit/http';
import { expect, it } from 'vitest';
import { ADMIN_KEY, ORG_ACME } from './helpers.js';

const RANGE = { range_start: '2024-01-01T00:00:00.000Z', range_end: '2025-01-01T00:00:00.000Z' };

async function handlerFor(directory?: string) {
  const auditLog = await createAuditLog({
    store: memoryStore(),
    ...(directory === undefined ? {} : { exports: { directory } }),
  });
  const reported: unknown[] = [];
  const handler = createAuditLogHandler({
    auditLog,
    apiKeys: [ADMIN_KEY],
    onError: (error) => reported.push(error),
  });
  const createExport = () =>
    handler(
      new Request('http://localhost/audit_logs/exports', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ organization_id: ORG_ACME, ...RANGE }),
      }),
    );
  return { auditLog, reported, createExport };
}

it('answers 503 to a request that reaches an audit log already closed', async () => {
  const { auditLog, reported, createExport } = await handlerFor();
  await auditLog.close();
  const response = await createExport();
  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({ code: 'service_unavailable' });
  expect(reported).toEqual([]);
});

it('answers an opaque 500 when the export directory is unsafe; the reason goes to onError', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'auditkit-http-unsafe-dir-'));
  await chmod(directory, 0o777);
  const { auditLog, reported, createExport } = await handlerFor(directory);
  try {
    const response = await createExport();
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain(directory);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ code: 'unsafe_export_directory' });
  } finally {
    await auditLog.close();
  }
});
