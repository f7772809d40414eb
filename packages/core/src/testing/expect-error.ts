import { expect } from 'vitest';
import { AuditKitError, type AuditKitErrorCode } from '../errors.js';

/** Awaits `promise`, asserts it rejected with an `AuditKitError` of `code`, and returns that error. */
export async function expectAuditKitError(
  promise: Promise<unknown>,
  code: AuditKitErrorCode,
): Promise<AuditKitError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected an AuditKitError "${code}"`).toBeInstanceOf(AuditKitError);
  expect((error as AuditKitError).code).toBe(code);
  return error as AuditKitError;
}

/** Asserts that one of the error's details is at `path` (and at `index`, for batches). */
export function expectErrorAt(error: AuditKitError, path: string, index?: number): void {
  const found = error.errors.some(
    (detail) => detail.path === path && (index === undefined || detail.index === index),
  );
  expect(
    found,
    `expected an error at ${index === undefined ? '' : `[${index}] `}${path}, got ${JSON.stringify(error.errors)}`,
  ).toBe(true);
}

/**
 * Calls `make` synchronously, asserts it threw an `AuditKitError`, and returns that error: for
 * factories that check their options at call time, before any promise exists.
 *
 * @example
 * ```ts
 * const error = thrownAuditKitError(() => sqliteStore({ filname: 'audit.db' } as never));
 * expect(error.code).toBe('invalid_request');
 * ```
 */
export function thrownAuditKitError(make: () => unknown): AuditKitError {
  let error: unknown;
  try {
    make();
  } catch (caught) {
    error = caught;
  }
  expect(error, 'expected an AuditKitError to be thrown synchronously').toBeInstanceOf(AuditKitError);
  return error as AuditKitError;
}
