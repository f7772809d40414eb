import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditKitError, createAuditLog, DEFAULT_EVENT_LIMITS, memoryStore } from '@auditkit/core';
import { expect, it } from 'vitest';

it('rejects with export_timeout, never a pending export, when the wait runs out', async () => {
  const store = memoryStore();
  const auditLog = await createAuditLog({ store });
  const now = new Date();
  // A pending export some other (live) process is producing, holding its lease: nothing here
  // will finish it or take it over.
  await store.acquireLease({
    name: 'auditkit:export:audit_log_export_elsewhere',
    holder: 'elsewhere',
    ttlMs: 60_000,
  });
  await store.insertExport({
    id: 'audit_log_export_elsewhere',
    state: 'pending',
    organizationId: 'org_1',
    format: 'csv',
    filters: JSON.stringify({ organizationId: 'org_1' }),
    createdAt: now,
    updatedAt: now,
  });
  const error = await auditLog
    .waitForExport('audit_log_export_elsewhere', { timeoutMs: 50, intervalMs: 10 })
    .then(
      () => undefined,
      (reason: unknown) => reason,
    );
  expect(error).toBeInstanceOf(AuditKitError);
  expect(error).toMatchObject({ code: 'export_timeout', errors: [{ path: 'timeoutMs' }] });
  expect((error as Error).message).toMatch(
    /^Export "audit_log_export_elsewhere" was still pending after 50 ms/,
  );
  expect(await auditLog.getExport('audit_log_export_elsewhere')).toMatchObject({ state: 'pending' });
  await auditLog.close();
});

it('resolves with the finished export, typed ready or error', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'auditkit-wait-'));
  const auditLog = await createAuditLog({ store: memoryStore(), exports: { directory } });
  const job = await auditLog.createExport({
    organizationId: 'org_1',
    rangeStart: new Date('2024-01-01'),
    rangeEnd: new Date('2025-01-01'),
  });
  const done = await auditLog.waitForExport(job.id);
  expect(done.state).toBe('ready');
  expect(done.path?.startsWith(directory)).toBe(true);
  await auditLog.close();
});

it('rejects a wrong wait option as invalid_request naming it', async () => {
  const auditLog = await createAuditLog({ store: memoryStore() });
  await expect(auditLog.waitForExport('audit_log_export_x', { timeout: 5 } as never)).rejects.toMatchObject({
    code: 'invalid_request',
    errors: [{ path: 'timeout', message: 'is not a known field; did you mean `timeoutMs`?' }],
  });
  await auditLog.close();
});

it('keeps the shared defaults immutable', () => {
  expect(Object.isFrozen(DEFAULT_EVENT_LIMITS)).toBe(true);
  expect(() => {
    (DEFAULT_EVENT_LIMITS as { maxTargets: number }).maxTargets = 1;
  }).toThrow(TypeError);
  expect(DEFAULT_EVENT_LIMITS.maxTargets).toBe(100);
});
