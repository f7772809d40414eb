import { sqliteStore } from '@auditkit/adapter-sqlite';
import { thrownAuditKitError } from '@auditkit/core/testing';
import { expect, it } from 'vitest';

it('rejects a mistyped option at call time with invalid_request naming it', () => {
  const error = thrownAuditKitError(() => sqliteStore({ filname: 'audit.db' } as never));
  expect(error.code).toBe('invalid_request');
  expect(error.errors).toContainEqual({
    path: 'filname',
    code: 'unknown_field',
    message: 'is not a known option of sqliteStore; did you mean `filename`?',
  });
  expect(error.message).toMatch(/^Invalid sqliteStore options: `filname` is not a known option/);
});

it('rejects wrongly typed and conflicting options, saying what each expected', () => {
  const typed = thrownAuditKitError(() => sqliteStore({ filename: 42 } as never));
  expect(typed.errors).toEqual([
    {
      path: 'filename',
      code: 'invalid_value',
      message: 'must be a file path string (or ":memory:"), got number 42',
    },
  ]);
  const busy = thrownAuditKitError(() => sqliteStore({ filename: 'a.db', busyTimeoutMs: '5s' } as never));
  expect(busy.errors[0]).toMatchObject({ path: 'busyTimeoutMs' });
  const both = thrownAuditKitError(() => sqliteStore({ filename: 'a.db', database: {} } as never));
  expect(both.errors.map((detail) => detail.path)).toEqual(['database', 'database']);
  const none = thrownAuditKitError(() => sqliteStore({} as never));
  expect(none.errors).toEqual([
    { path: 'filename', code: 'required', message: 'is missing: pass `filename` or `database`' },
  ]);
});
