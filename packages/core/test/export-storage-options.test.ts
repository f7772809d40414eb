import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditKitError, createAuditLog, filesystemExportStorage, memoryStore } from '@auditkit/core';
import { expect, it } from 'vitest';

async function thrownAuditKitError(promise: Promise<unknown>): Promise<AuditKitError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AuditKitError);
  return error as AuditKitError;
}

it('refuses exports.directory together with exportStorage, and an exportStorage without its methods', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'auditkit-storage-options-'));
  const both = await thrownAuditKitError(
    createAuditLog({
      store: memoryStore(),
      exports: { directory },
      exportStorage: filesystemExportStorage({ directory }),
    }),
  );
  expect(both.code).toBe('invalid_request');
  expect(both.errors.map((detail) => [detail.path, detail.code])).toEqual([
    ['exports.directory', 'conflicting_options'],
  ]);
  const broken = await thrownAuditKitError(
    createAuditLog({ store: memoryStore(), exportStorage: { name: 'x' } as never }),
  );
  expect(broken.errors.map((detail) => [detail.path, detail.code])).toEqual([
    ['exportStorage', 'invalid_value'],
  ]);
  const ttl = await thrownAuditKitError(
    createAuditLog({ store: memoryStore(), exports: { signedUrlTtlSeconds: 8 * 24 * 3600 } }),
  );
  expect(ttl.errors.map((detail) => [detail.path, detail.code])).toEqual([
    ['exports.signedUrlTtlSeconds', 'invalid_value'],
  ]);
});

it('writes export files through the storage it is given', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'auditkit-storage-options-'));
  const log = await createAuditLog({
    store: memoryStore(),
    exportStorage: filesystemExportStorage({ directory }),
  });
  const job = await log.createExport({
    organizationId: 'org_1',
    rangeStart: new Date('2000-01-01T00:00:00Z'),
    rangeEnd: new Date('2100-01-01T00:00:00Z'),
  });
  const done = await log.waitForExport(job.id);
  expect(done.path).toBe(join(directory, `${job.id}.csv`));
  await expect(log.openExport(job.id, { signedUrlTtlSeconds: 0 })).rejects.toMatchObject({
    code: 'invalid_request',
  });
  await log.close();
});
