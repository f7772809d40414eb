import { sqliteStore } from '@auditkit/adapter-sqlite';
import { AuditKitError, type AuditStore } from '@auditkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { declareSignInSchema, ORG_ACME, signInEvent, startApi, type TestApi } from './helpers.js';

/** A SQLite store whose first `insertEvents` fails, before or after the rows are written. */
function storeFailingFirstInsert(when: 'before-write' | 'after-write'): AuditStore & { inserts: number } {
  const inner = sqliteStore({ filename: ':memory:' });
  const store = {
    ...inner,
    inserts: 0,
    async insertEvents(...args: Parameters<AuditStore['insertEvents']>) {
      store.inserts += 1;
      if (store.inserts > 1) return inner.insertEvents(...args);
      if (when === 'after-write') await inner.insertEvents(...args);
      throw new AuditKitError(
        'storage_error',
        'Storage failed to insert events: SQLITE_IOERR at /var/db/secret.db',
        {
          cause: new Error('SQLITE_IOERR'),
        },
      );
    },
  };
  return store;
}

describe('SDK retries against a failing store', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  for (const when of ['before-write', 'after-write'] as const) {
    it(`stores exactly one event when the first write fails ${when.replace('-', ' ')}`, async () => {
      const store = storeFailingFirstInsert(when);
      const onError = vi.fn();
      api = await startApi({ store, handler: { onError } });
      const workos = api.workos();
      await declareSignInSchema(workos);

      // The SDK answers a 500 on /audit_logs/events by retrying with the same Idempotency-Key.
      await workos.auditLogs.createEvent(ORG_ACME, signInEvent(), { idempotencyKey: `retry-${when}` });

      expect(store.inserts).toBe(2);
      const { data } = await api.auditLog.listEvents({ organizationId: ORG_ACME });
      expect(data).toHaveLength(1);
      expect(onError).toHaveBeenCalledTimes(1);
      expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'storage_error' });
      expect(onError.mock.calls[0]?.[1]).toMatchObject({ method: 'POST', path: '/audit_logs/events' });
    });
  }

  it('answers a storage failure with an opaque 500 that leaks nothing', async () => {
    const onError = vi.fn();
    api = await startApi({ store: storeFailingFirstInsert('before-write'), handler: { onError } });
    await declareSignInSchema(api.workos());
    const response = await api.call('/audit_logs/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req_storage_1' },
      body: JSON.stringify({
        organization_id: ORG_ACME,
        event: {
          action: 'user.signed_in',
          occurred_at: '2024-05-01T12:00:00.000Z',
          actor: { type: 'user', id: 'user_1' },
          targets: [],
          context: { location: '203.0.113.7' },
        },
      }),
    });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('req_storage_1');
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ message: 'Internal server error', code: 'internal_error' });
    expect(text).not.toMatch(/SQLITE|secret|stack|at /);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'storage_error' }), {
      requestId: 'req_storage_1',
      method: 'POST',
      path: '/audit_logs/events',
    });
  });
});
