import { setTimeout as sleep } from 'node:timers/promises';
import { postgresStore } from '@auditkit/adapter-postgres';
import { AuditKitError, createAuditLog } from '@auditkit/core';
import { countEvents, declareSchemas, signInEvent } from '@auditkit/core/testing';
import pg from 'pg';
import { expect, inject, it } from 'vitest';

const baseUrl = inject('postgresUrl');

/**
 * Retries storage errors with backoff. A pooled connection killed at the same moment as the
 * failing one can still fail an attempt before the pool notices it is gone.
 */
async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      expect((error as AuditKitError).code).toBe('storage_error');
      if (n >= 4) throw error;
      await sleep(50 * (n + 1));
    }
  }
}

it('fails with storage_error when its connections are terminated mid-ingest, recovers, and stores a retried batch once', async () => {
  const url = new URL(baseUrl);
  url.searchParams.set('application_name', 'auditkit_fault_test');
  const auditLog = await createAuditLog({
    store: postgresStore({ url: url.toString(), schema: 'faults' }),
  });
  await declareSchemas(auditLog);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  const terminate = () =>
    admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'auditkit_fault_test' and pid <> pg_backend_pid()",
    );

  const batch = (b: number) =>
    Array.from({ length: 200 }, (_, i) => ({
      event: signInEvent({ occurredAt: new Date(Date.UTC(2024, 0, 1) + b * 1000 + i), metadata: { b, i } }),
      idempotencyKey: `fault-${b}-${i}`,
    }));
  const failures: AuditKitError[] = [];
  const batches = 30;
  for (let b = 0; b < batches; b++) {
    // Terminate the adapter's backends while this batch is in flight, on every third batch.
    const write = auditLog.createEvents('org_faults', batch(b));
    if (b % 3 === 1) setTimeout(() => void terminate(), 1);
    try {
      await write;
    } catch (error) {
      expect(error).toBeInstanceOf(AuditKitError);
      expect((error as AuditKitError).code).toBe('storage_error');
      expect((error as AuditKitError).cause).toBeInstanceOf(Error);
      failures.push(error as AuditKitError);
      // Retry with the same keys, as a client with backoff would.
      const retried = await withRetries(() => auditLog.createEvents('org_faults', batch(b)));
      expect(retried).toHaveLength(200);
    }
  }
  await terminate();
  const after = await withRetries(() =>
    auditLog.createEvent('org_faults', signInEvent(), { idempotencyKey: 'after-faults' }),
  );
  expect(after.replayed).toBe(false);
  expect(failures.length).toBeGreaterThan(0);
  expect(await countEvents(auditLog, 'org_faults')).toBe(batches * 200 + 1);
  await admin.end();
  await auditLog.close();
}, 120_000);
