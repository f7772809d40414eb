import { AuditKitError, createAuditLog, memoryStore } from '@auditkit/core';
import { closestName } from '@auditkit/core/store';
import { expect, it } from 'vitest';

/** Calls `make` and returns what it threw (or rejected with). */
async function thrownBy(make: () => unknown): Promise<AuditKitError> {
  let error: unknown;
  try {
    await make();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(AuditKitError);
  return error as AuditKitError;
}

it('suggests the known name a mistyped one meant, and nothing when none is close', () => {
  expect(closestName('occurred_at', ['action', 'occurredAt', 'actor'])).toBe('occurredAt');
  expect(closestName('filname', ['filename', 'database'])).toBe('filename');
  expect(closestName('UserAgent', ['location', 'userAgent'])).toBe('userAgent');
  expect(closestName('zzz', ['filename', 'database'])).toBeUndefined();
  expect(closestName('id', ['type', 'name'])).toBeUndefined();
});

it('rejects a mistyped createAuditLog option at call time with invalid_request naming it', async () => {
  const error = await thrownBy(() => createAuditLog({ store: memoryStore(), requireSchema: false } as never));
  expect(error.code).toBe('invalid_request');
  expect(error.errors).toEqual([
    {
      path: 'requireSchema',
      code: 'unknown_field',
      message: 'is not a known option of createAuditLog; did you mean `requireSchemas`?',
    },
  ]);
  expect(error.message).toContain('`requireSchema`');
});

it('rejects wrongly typed createAuditLog options, nested ones by their dotted path', async () => {
  const error = await thrownBy(() =>
    createAuditLog({
      store: memoryStore(),
      limits: { maxTargets: 0, maxBatch: 10 },
      exports: { directory: 42 },
    } as never),
  );
  expect(error.code).toBe('invalid_request');
  expect(error.errors.map((detail) => detail.path)).toEqual([
    'limits.maxTargets',
    'limits.maxBatch',
    'exports.directory',
  ]);
  expect(error.errors[0]?.message).toBe('must be a positive integer, got number 0');
  expect(error.errors[1]?.message).toContain('did you mean `maxBatchSize`?');
});

it('rejects a missing or wrong store before touching it', async () => {
  const missing = await thrownBy(() => createAuditLog({} as never));
  expect(missing).toMatchObject({ code: 'invalid_request', errors: [{ path: 'store' }] });
  const wrong = await thrownBy(() => createAuditLog({ store: { name: 'x' } } as never));
  expect(wrong.errors[0]?.message).toMatch(/^must be an AuditStore/);
  const notAnObject = await thrownBy(() => createAuditLog(undefined as never));
  expect(notAnObject).toMatchObject({
    code: 'invalid_request',
    message: 'createAuditLog expects an options object, got undefined',
  });
});
