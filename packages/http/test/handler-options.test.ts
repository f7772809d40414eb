import { createAuditLog, memoryStore } from '@auditkit/core';
import { thrownAuditKitError } from '@auditkit/core/testing';
import { type AuditLogHandlerOptions, createAuditLogHandler } from '@auditkit/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY } from './helpers.js';

// Issue 21: every factory checks its options when called and names the wrong one.
describe('createAuditLogHandler options', () => {
  let auditLog: Awaited<ReturnType<typeof createAuditLog>>;
  beforeAll(async () => {
    auditLog = await createAuditLog({ store: memoryStore() });
  });
  afterAll(async () => {
    await auditLog.close();
  });

  const handler = (options: Record<string, unknown>) => () =>
    createAuditLogHandler({ auditLog, apiKeys: [ADMIN_KEY], ...options } as AuditLogHandlerOptions);

  it('rejects a wrong option at call time with invalid_request naming it', () => {
    const typo = thrownAuditKitError(handler({ ratelimit: { requestsPerSecond: 5 } }));
    expect(typo.code).toBe('invalid_request');
    expect(typo.errors).toEqual([
      {
        path: 'ratelimit',
        code: 'unknown_field',
        message: expect.stringContaining('did you mean `rateLimit`?'),
      },
    ]);
    expect(typo.message).toMatch(/^Invalid createAuditLogHandler options: `ratelimit`/);

    const cases: [Record<string, unknown>, string, string][] = [
      [{ auditLog: {} }, 'auditLog', 'invalid_value'],
      [{ apiKeys: 'sk_one' }, 'apiKeys', 'invalid_value'],
      [{ basePath: 'api' }, 'basePath', 'invalid_value'],
      [{ publicUrl: 'audit.example.com' }, 'publicUrl', 'invalid_value'],
      [{ maxBodyBytes: 1.5 }, 'maxBodyBytes', 'invalid_value'],
      [{ rateLimit: { requestsPerSecond: 0 } }, 'rateLimit.requestsPerSecond', 'invalid_value'],
      [{ rateLimit: { burst: 5 } }, 'rateLimit.requestsPerSecond', 'required'],
      [{ rateLimit: { requestsPerSecond: 5, burts: 9 } }, 'rateLimit.burts', 'unknown_field'],
      [{ downloads: { secret: 'short' } }, 'downloads.secret', 'invalid_value'],
      [{ downloads: { ttlSeconds: -1 } }, 'downloads.ttlSeconds', 'invalid_value'],
      [{ onError: 'console' }, 'onError', 'invalid_value'],
      [{ schemaDeclaration: 'admins' }, 'schemaDeclaration', 'invalid_value'],
      [{ apiKeys: [{ sha256: 'abc' }] }, 'apiKeys[0].sha256', 'invalid_format'],
      [{ apiKeys: [ADMIN_KEY, ADMIN_KEY] }, 'apiKeys', 'duplicate'],
      [{ apiKeys: [{ key: 'k', organizations: [] }] }, 'apiKeys[0].organizations', 'invalid_value'],
    ];
    for (const [options, path, code] of cases) {
      const error = thrownAuditKitError(handler(options));
      expect(error.code, JSON.stringify(options)).toBe('invalid_request');
      expect(error.errors[0], JSON.stringify(options)).toMatchObject({ path, code });
      expect(error.message).toContain(`\`${path}\``);
    }
    const missing = thrownAuditKitError(() => createAuditLogHandler({ auditLog } as AuditLogHandlerOptions));
    expect(missing.errors).toEqual([expect.objectContaining({ path: 'apiKeys', code: 'required' })]);
  });

  it('accepts every option when each is right', () => {
    const make = handler({
      basePath: '/api/audit',
      publicUrl: 'https://audit.example.com/api/audit',
      maxBodyBytes: 1024,
      rateLimit: { requestsPerSecond: 5, burst: 10 },
      downloads: { secret: 's'.repeat(32), ttlSeconds: 60 },
      onError: () => undefined,
      schemaDeclaration: 'unscoped-keys',
    });
    expect(typeof make()).toBe('function');
  });
});
