import { sqliteStore } from '@auditkit/adapter-sqlite';
import { AuditKitError } from '@auditkit/core';
import { expect, it } from 'vitest';

/** Calls `make` (synchronously: the check happens when the factory is called) and returns what it threw. */
function thrownBy(make: () => unknown): AuditKitError {
  let error: unknown;
  try {
    make();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(AuditKitError);
  return error as AuditKitError;
}

it('rejects a mistyped option at call time with invalid_request naming it', () => {
  const error = thrownBy(() => sqliteStore({ filname: 'audit.db' } as never));
  expect(error.code).toBe('invalid_request');
  expect(error.errors).toContainEqual({
    path: 'filname',
    code: 'unknown_field',
    message: 'is not a known option of sqliteStore; did you mean `filename`?',
  });
  expect(error.message).toMatch(/^Invalid sqliteStore options: `filname` is not a known option/);
});

it('rejects wrongly typed and conflicting options, saying what each expected', () => {
  const typed = thrownBy(() => sqliteStore({ filename: 42 } as never));
  expect(typed.errors).toEqual([
    {
      path: 'filename',
      code: 'invalid_value',
      message: 'must be a file path string (or ":memory:"), got number 42',
    },
  ]);
  const busy = thrownBy(() => sqliteStore({ filename: 'a.db', busyTimeoutMs: '5s' } as never));
  expect(busy.errors[0]).toMatchObject({ path: 'busyTimeoutMs' });
  const both = thrownBy(() => sqliteStore({ filename: 'a.db', database: {} } as never));
  expect(both.errors.map((detail) => detail.path)).toEqual(['database', 'database']);
  const none = thrownBy(() => sqliteStore({} as never));
  expect(none.errors).toEqual([
    { path: 'filename', code: 'required', message: 'is missing: pass `filename` or `database`' },
  ]);
});
