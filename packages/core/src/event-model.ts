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
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2}))?$/;
// Four-digit years keep `toISOString()` fixed-width, so text columns sort chronologically.
const MIN_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Whether a time is one AuditKit can store: a valid `Date` in years 0000–9999. */
export function isStorableTime(time: number): boolean {
  return Number.isInteger(time) && time >= MIN_TIME && time <= MAX_TIME;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Why the calendar fields of an ISO string are impossible, or `undefined`. `Date` rolls
 * 2024-02-30 over to 2024-03-01 and 24:00 to the next day instead of failing, which would store
 * a different time than the one given.
 */
function calendarProblem(match: RegExpExecArray): string | undefined {
  const [, year, month, day, hour] = match.map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12) return 'must have a month from 01 to 12';
  if (day < 1 || day > daysInMonth(year, month)) {
    return `must be a real calendar date (${match[1]}-${match[2]} has ${daysInMonth(year, month)} days)`;
  }
  if (match[4] !== undefined && hour > 23) return 'must have an hour from 00 to 23';
  return undefined;
}

/** A valid storable `Date` for a `Date` or ISO-8601 input, or why there is none. */
export function toValidDate(value: unknown): Date | string {
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) return 'must be a valid date';
    return isStorableTime(time) ? new Date(time) : 'must be between years 0000 and 9999';
  }
  if (typeof value === 'string') {
    const match = ISO_DATE_TIME.exec(value);
    if (!match) return 'must be an ISO-8601 date-time such as 2024-05-01T12:00:00.000Z';
    return calendarProblem(match) ?? toValidDate(new Date(value));
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
