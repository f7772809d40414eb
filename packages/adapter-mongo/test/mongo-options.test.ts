import { mongoStore } from '@auditkit/adapter-mongo';
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
  const error = thrownBy(() => mongoStore({ url: 'mongodb://127.0.0.1:27017', dbname: 'audit' } as never));
  expect(error.code).toBe('invalid_request');
  expect(error.errors).toContainEqual({
    path: 'dbname',
    code: 'unknown_field',
    message: 'is not a known option of mongoStore; did you mean `dbName`?',
  });
  expect(error.errors).toContainEqual({
    path: 'dbName',
    code: 'required',
    message: 'is required: the name of the database (a non-empty string)',
  });
});

it('rejects clientOptions without url, and a client that is not a client', () => {
  const error = thrownBy(() =>
    mongoStore({ client: 'mongodb://x', dbName: 'audit', clientOptions: {} } as never),
  );
  expect(error.errors).toEqual([
    {
      path: 'client',
      code: 'invalid_value',
      message: 'must be a MongoClient (an object with db()), got string "mongodb://x"',
    },
    { path: 'clientOptions', code: 'conflicting_options', message: 'applies only together with `url`' },
  ]);
});
