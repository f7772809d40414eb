/**
 * The stable codes of {@link AuditKitError}. Code against these, never against messages.
 *
 * - `invalid_audit_log_event`: an event (or a batch) broke a rule; see `errors`.
 * - `idempotency_conflict`: an idempotency key was reused with different content.
 * - `invalid_export_range`: `rangeStart`/`rangeEnd` missing, invalid or not in order.
 * - `invalid_request`: any other bad argument (a schema definition, a filter, a cursor, a limit).
 * - `not_found`: the export (or other record) asked for does not exist.
 * - `export_timeout`: `waitForExport` gave up while the export was still `pending`; it may still
 *   finish, so `getExport` (or another wait) can pick it up later.
 * - `storage_error`: the database failed; the driver's error is the `cause`.
 * - `closed`: the audit log was used after `close()` was called.
 * - `unsafe_export_directory`: `exports.directory` is owned by another user or writable by
 *   others, so AuditKit refuses to write export files there (a server configuration problem,
 *   not the caller's).
 * - `transactions_unsupported`: `withTransaction` on a store or server without transactions
 *   (the memory store, MongoDB without a replica set, FerretDB): nothing is written.
 */
export type AuditKitErrorCode =
  | 'invalid_audit_log_event'
  | 'idempotency_conflict'
  | 'invalid_export_range'
  | 'invalid_request'
  | 'not_found'
  | 'export_timeout'
  | 'storage_error'
  | 'closed'
  | 'unsafe_export_directory'
  | 'transactions_unsupported';

/**
 * Which rule a detail broke, for programs: stable, unlike the English `message`. An API layer
 * maps these (and `path`), never the message text.
 *
 * - `required`: missing. `invalid_type`: present with the wrong type. `unknown_field`: a
 *   field the object does not have. `invalid_format`: text or a date not in the required form.
 * - `invalid_value`: any other value the rule does not allow (a negative limit, NUL in text).
 * - `too_small`, `too_big`: a size, length, count or number out of bounds.
 * - `range_order`: a range's end is not after its start.
 * - `unknown_action`, `unknown_version`: no schema (version) is configured for the event.
 * - `undeclared_target`: a target type the event's schema does not declare.
 * - `schema_mismatch`: metadata that breaks the declared JSON Schema.
 * - `duplicate`: a value given twice where each must be unique.
 * - `key_reused`: an idempotency key already used for different content.
 * - `invalid_cursor`, `conflicting_options`: paging cursors not of this list, or given together.
 * - `timed_out`: a wait ended before what it waited for.
 */
export type AuditKitErrorDetailCode =
  | 'required'
  | 'invalid_type'
  | 'unknown_field'
  | 'invalid_format'
  | 'invalid_value'
  | 'too_small'
  | 'too_big'
  | 'range_order'
  | 'unknown_action'
  | 'unknown_version'
  | 'undeclared_target'
  | 'schema_mismatch'
  | 'duplicate'
  | 'key_reused'
  | 'invalid_cursor'
  | 'conflicting_options'
  | 'timed_out';

/** One broken rule: where (`path`, e.g. `targets[0].metadata.plan`), which rule (`code`) and what. */
export interface AuditKitErrorDetail {
  /** Dotted path inside the event (or request), `''` for the value itself. */
  path: string;
  /** The rule, machine-readable; see {@link AuditKitErrorDetailCode}. */
  code: AuditKitErrorDetailCode;
  /** The rule in English, for people; its wording may change between versions. */
  message: string;
  /** Position in the batch, for errors from `createEvents`. */
  index?: number;
}

/**
 * What an {@link AuditKitError} carries besides its code and message.
 *
 * @example
 * ```ts
 * new AuditKitError('invalid_request', 'Invalid options', { errors: [{ path: 'url', message: 'is required', code: 'required' }] });
 * ```
 */
export interface AuditKitErrorOptions {
  /** One entry per broken rule, each with its `path`. */
  errors?: AuditKitErrorDetail[];
  /** The error that caused this one, e.g. the driver's for `storage_error`. */
  cause?: unknown;
}

/**
 * Every error AuditKit throws for bad input or state.
 *
 * @example
 * ```ts
 * try {
 *   await auditLog.createEvent(orgId, event, { idempotencyKey: 'k1' });
 * } catch (error) {
 *   if (error instanceof AuditKitError && error.code === 'idempotency_conflict') {
 *     // the key was already used for a different event
 *   }
 * }
 * ```
 */
export class AuditKitError extends Error {
  override readonly name = 'AuditKitError';
  readonly code: AuditKitErrorCode;
  readonly errors: AuditKitErrorDetail[];

  constructor(code: AuditKitErrorCode, message: string, options: AuditKitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errors = options.errors ?? [];
  }
}

/** `true` when `error` is an {@link AuditKitError}, optionally with the given code. */
export function isAuditKitError(error: unknown, code?: AuditKitErrorCode): error is AuditKitError {
  return error instanceof AuditKitError && (code === undefined || error.code === code);
}

/**
 * Wraps a driver failure as `storage_error`, keeping the original as `cause`; AuditKit errors
 * pass through unchanged. Used by the store guard (`guardStore`), the one layer that wraps.
 *
 * @example
 * ```ts
 * try { await store.getRetention('org_1'); }
 * catch (error) { throw toStorageError(error, 'read retention (sqlite)'); }
 * ```
 */
export function toStorageError(error: unknown, operation: string): AuditKitError {
  if (error instanceof AuditKitError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new AuditKitError('storage_error', `Storage failed to ${operation}: ${reason}`, { cause: error });
}
