import type { AuditLogEvent } from './event-model.js';
import { plainObjectConstructor } from './plain-object.js';
import type { EventRow, EventWriteFact, InsertEventsResult } from './store.js';

/**
 * AuditKit's one replay-versus-conflict rule, applied to what a store found while inserting
 * `rows` (one fact per row, in row order). A row the store inserted is new. A row whose
 * `(organizationId, idempotencyKey)` already held an event is a replay when the stored
 * fingerprint equals the row's — the caller gets the stored event back — and a conflict
 * otherwise. One conflict makes the whole call a conflict: the store then undoes all of it.
 *
 * Every store reaches this function through the `decide` argument of `insertEvents`; no store
 * compares fingerprints itself.
 *
 * @example
 * ```ts
 * import { decideIdempotentOutcome } from '@auditkit/core/store';
 *
 * const outcome = decideIdempotentOutcome(rows, [{ inserted: true }, { inserted: false, stored }]);
 * if (outcome.status === 'conflict') console.log('conflicting rows:', outcome.indexes);
 * ```
 */
export function decideIdempotentOutcome(
  rows: readonly EventRow[],
  facts: readonly EventWriteFact[],
): InsertEventsResult {
  return decideOutcomeBuilding(rows, facts, eventOf);
}

/** One event's `{ event, replayed }` (a plain object: see plain-object.ts). */
const StoredOutcome = plainObjectConstructor(function (
  this: { event: AuditLogEvent; replayed: boolean },
  event: AuditLogEvent,
  replayed: boolean,
) {
  this.event = event;
  this.replayed = replayed;
});

/**
 * {@link decideIdempotentOutcome} with the event of each inserted row built by `newEvent`: core's
 * write path builds there the very object `createEvents` returns (`replayed: false` included), so
 * a new event is not copied twice.
 */
export function decideOutcomeBuilding(
  rows: readonly EventRow[],
  facts: readonly EventWriteFact[],
  newEvent: (row: EventRow) => AuditLogEvent,
): InsertEventsResult {
  if (facts.length !== rows.length) {
    throw new Error(`the store reported ${facts.length} insert result(s) for ${rows.length} row(s)`);
  }
  const conflicts: number[] = [];
  const events = rows.map((row, index) => {
    const fact = facts[index] as EventWriteFact;
    if (fact.inserted) return new StoredOutcome(newEvent(row), false);
    if (fact.stored.fingerprint !== row.fingerprint) conflicts.push(index);
    return new StoredOutcome(fact.stored.event, true);
  });
  return conflicts.length > 0 ? { status: 'conflict', indexes: conflicts } : { status: 'stored', events };
}

/** The event a row stands for, without the storage-only fields. */
function eventOf(row: EventRow): AuditLogEvent {
  // Written out rather than rest-destructured, which copies through a slow generic path.
  const {
    object,
    id,
    organizationId,
    action,
    occurredAt,
    version,
    actor,
    targets,
    context,
    metadata,
    receivedAt,
  } = row;
  return metadata === undefined
    ? { object, id, organizationId, action, occurredAt, version, actor, targets, context, receivedAt }
    : {
        object,
        id,
        organizationId,
        action,
        occurredAt,
        version,
        actor,
        targets,
        context,
        metadata,
        receivedAt,
      };
}
