/**
 * Rules on event metadata, from the SPEC (the WorkOS limits). Frozen: they are shared by every
 * audit log in the process.
 *
 * @example
 * ```ts
 * METADATA_LIMITS.keyPattern.test('plan_tier'); // true
 * ```
 */
export const METADATA_LIMITS = Object.freeze({
  maxKeys: 50,
  keyPattern: /^[a-zA-Z0-9_-]{1,40}$/,
  maxStringValueLength: 500,
} as const);

/**
 * Upper bounds on one event, so that a hostile or buggy caller cannot store megabytes per row.
 * They are documented in the README; change them with `createAuditLog({ limits })`.
 */
export interface EventLimits {
  /** Longest `action`, type, id, name, location or user agent, in characters. Default 1024. */
  maxFieldLength: number;
  /** Most targets on one event. Default 100. */
  maxTargets: number;
  /** Most events in one `createEvents` call. Default 1000. */
  maxBatchSize: number;
  /** Largest event, as (estimated) JSON bytes, checked before any other work. Default 128 KiB. */
  maxEventBytes: number;
}

/**
 * The limits an audit log uses unless `createAuditLog({ limits })` says otherwise. Frozen (and
 * `Readonly` in its type): it is shared by every audit log in the process, so changing it in one
 * place must not be possible; pass `limits` instead.
 *
 * @example
 * ```ts
 * const auditLog = await createAuditLog({
 *   store,
 *   limits: { maxTargets: DEFAULT_EVENT_LIMITS.maxTargets * 2 },
 * });
 * ```
 */
export const DEFAULT_EVENT_LIMITS: Readonly<EventLimits> = Object.freeze({
  maxFieldLength: 1024,
  maxTargets: 100,
  maxBatchSize: 1000,
  maxEventBytes: 128 * 1024,
});

/** Keys that would reach `Object.prototype` in careless consumers of the stored metadata. */
export const FORBIDDEN_METADATA_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);
