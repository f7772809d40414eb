import { postgresStore } from '@auditkit/adapter-postgres';
import { thrownAuditKitError } from '@auditkit/core/testing';
import { expect, it } from 'vitest';

it('rejects a mistyped option at call time with invalid_request naming it', () => {
  const error = thrownAuditKitError(() =>
    postgresStore({ url: 'postgres://localhost/app', shcema: 'audit' } as never),
  );
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
  const error = thrownAuditKitError(() =>
    postgresStore({ connectionString: 'postgres://localhost/app' } as never),
  );
  expect(error.code).toBe('invalid_request');
  expect(error.errors).toContainEqual({
    path: 'connectionString',
    code: 'unknown_field',
    message: 'is not a known option of postgresStore; did you mean `url`?',
  });
});

it('rejects a pool that is not a pool, saying what was expected', () => {
  const error = thrownAuditKitError(() => postgresStore({ pool: 'postgres://localhost/app' } as never));
  expect(error.errors).toEqual([
    {
      path: 'pool',
      code: 'invalid_value',
      message: 'must be a pg.Pool (an object with connect()), got string "postgres://localhost/app"',
    },
  ]);
});
