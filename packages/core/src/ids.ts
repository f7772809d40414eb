import { monotonicFactory } from 'ulid';

// Monotonic within the process, so ids created in the same millisecond still sort in creation order.
const nextUlid = monotonicFactory();

/** A new time-ordered event id, `audit_log_event_<ULID>`. */
export function newEventId(now: number = Date.now()): string {
  return `audit_log_event_${nextUlid(now)}`;
}

/** A new time-ordered export id, `audit_log_export_<ULID>`. */
export function newExportId(now: number = Date.now()): string {
  return `audit_log_export_${nextUlid(now)}`;
}
