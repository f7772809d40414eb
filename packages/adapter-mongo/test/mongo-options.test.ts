import { mongoStore } from '@auditkit/adapter-mongo';
import { thrownAuditKitError } from '@auditkit/core/testing';
import { expect, it } from 'vitest';

it('rejects a mistyped option at call time with invalid_request naming it', () => {
  const error = thrownAuditKitError(() =>
    mongoStore({ url: 'mongodb://127.0.0.1:27017', dbname: 'audit' } as never),
  );
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
  const error = thrownAuditKitError(() =>
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
