import { z } from 'zod';
import type { EventLimits } from './limits.js';
import { type Metadata, metadataSchema } from './metadata.js';
import { requiredText } from './text-rules.js';

/** Who performed the action. */
export interface AuditLogActor {
  type: string;
  id: string;
  name?: string;
  metadata?: Metadata;
}

/** What the action was performed on. */
export interface AuditLogTarget {
  type: string;
  id: string;
  name?: string;
  metadata?: Metadata;
}

/** Where the action came from. */
export interface AuditLogContext {
  location: string;
  userAgent?: string;
}

/**
 * An event as the application sends it (the WorkOS SDK's `CreateAuditLogEventOptions`).
 *
 * @example
 * ```ts
 * const event: CreateAuditLogEventInput = {
 *   action: 'user.signed_in',
 *   occurredAt: new Date(),
 *   actor: { type: 'user', id: 'user_01GBNJC3MX9ZZJW1FSTF4C5938' },
 *   targets: [{ type: 'team', id: 'team_01GBNJD4MKHVKJGEWK42JNMBGS' }],
 *   context: { location: '123.123.123.123', userAgent: 'Chrome/104.0.0.0' },
 * };
 * ```
 */
export interface CreateAuditLogEventInput {
  action: string;
  /** A `Date` or an ISO-8601 string. */
  occurredAt: Date | string;
  /** The schema version the event follows; default 1. */
  version?: number;
  actor: AuditLogActor;
  targets: AuditLogTarget[];
  context: AuditLogContext;
  metadata?: Metadata;
}

/** Options of `createEvent` / `createEvents`. */
export interface CreateAuditLogEventRequestOptions {
  /**
   * Makes retries safe: the first call stores the event, a later call with the same key (in the
   * same organization) and the same content returns it, other content is `idempotency_conflict`.
   * Without a key, one is derived from the event's content.
   */
  idempotencyKey?: string;
}

/**
 * A stored event, as every read returns it.
 *
 * @example
 * ```ts
 * const event: AuditLogEvent = await auditLog.createEvent(orgId, input);
 * console.log(event.id); // audit_log_event_01J…
 * ```
 */
export interface AuditLogEvent {
  object: 'audit_log_event';
  /** Time-ordered, e.g. `audit_log_event_01JAX…`. */
  id: string;
  organizationId: string;
  action: string;
  version: number;
  occurredAt: Date;
  actor: AuditLogActor;
  targets: AuditLogTarget[];
  context: AuditLogContext;
  metadata?: Metadata;
  /** When AuditKit received the event. */
  receivedAt: Date;
}

/** What `createEvent` returns: the stored event, and whether this call was a replay of an earlier one. */
export interface CreatedAuditLogEvent extends AuditLogEvent {
  /** `true` when the event had been stored by an earlier call with the same idempotency key. */
  replayed: boolean;
}

/** An event after validation: defaults applied, `occurredAt` a `Date`, fresh copies of every object. */
export type NormalizedEvent = Omit<AuditLogEvent, 'object' | 'id' | 'organizationId' | 'receivedAt'>;

const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2}))?$/;
// Four-digit years keep `toISOString()` fixed-width, so text columns sort chronologically.
const MIN_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function toValidDate(value: unknown): Date | string {
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) return 'must be a valid date';
    return time < MIN_TIME || time > MAX_TIME ? 'must be between years 0000 and 9999' : new Date(time);
  }
  if (typeof value === 'string') {
    if (!ISO_DATE_TIME.test(value)) return 'must be an ISO-8601 date-time such as 2024-05-01T12:00:00.000Z';
    return toValidDate(new Date(value));
  }
  return value === undefined ? 'is required' : 'must be a Date or an ISO-8601 string';
}

/** A `Date` or ISO-8601 string, turned into a valid `Date`. */
export const dateInputSchema = z.custom<Date | string>().transform((value, ctx): Date => {
  const result = toValidDate(value);
  if (typeof result === 'string') {
    ctx.addIssue({ code: 'custom', message: result });
    return z.NEVER;
  }
  return result;
});

function optionalText(maxLength: number) {
  return requiredText(maxLength).optional();
}

/** Builds the zod schema of one incoming event under the given limits. */
export function createEventInputSchema(limits: EventLimits) {
  const text = () => requiredText(limits.maxFieldLength);
  const party = z.strictObject({
    type: text(),
    id: text(),
    name: optionalText(limits.maxFieldLength),
    metadata: metadataSchema.optional(),
  });
  return z.strictObject({
    action: text(),
    occurredAt: dateInputSchema,
    version: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be an integer' })
      .min(1, { error: 'must be at least 1' })
      .max(2_147_483_647, { error: 'is too large' })
      .default(1),
    actor: party,
    targets: z
      .array(party, { error: 'must be an array of targets' })
      .max(limits.maxTargets, { error: `must have at most ${limits.maxTargets} targets` }),
    context: z.strictObject({
      location: text(),
      userAgent: optionalText(limits.maxFieldLength),
    }),
    metadata: metadataSchema.optional(),
  });
}

/** Drops `undefined` optional fields so that equal events have equal shapes (and fingerprints). */
export function withoutUndefined<T extends object>(value: T): T {
  const out = {} as T;
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}
