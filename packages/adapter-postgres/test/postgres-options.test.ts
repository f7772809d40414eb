import { postgresStore } from '@auditkit/adapter-postgres';
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
  const error = thrownBy(() => postgresStore({ url: 'postgres://localhost/app', shcema: 'audit' } as never));
  expect(error.code).toBe('invalid_request');
  expect(error.errors).toEqual([
    {
      path: 'shcema',
      code: 'unknown_field',
      message: 'is not a known option of postgresStore; did you mean `schema`?',
    },
  ]);
});

it('points the pg-style `connectionString` at `url`, the name every adapter uses', () => {
  const error = thrownBy(() => postgresStore({ connectionString: 'postgres://localhost/app' } as never));
  expect(error.code).toBe('invalid_request');
  expect(error.errors).toContainEqual({
    path: 'connectionString',
    code: 'unknown_field',
    message: 'is not a known option of postgresStore; did you mean `url`?',
  });
});

it('rejects a pool that is not a pool, saying what was expected', () => {
  const error = thrownBy(() => postgresStore({ pool: 'postgres://localhost/app' } as never));
  expect(error.errors).toEqual([
    {
      path: 'pool',
      code: 'invalid_value',
      message: 'must be a pg.Pool (an object with connect()), got string "postgres://localhost/app"',
    },
  ]);
});
