import {
  type AuditStore,
  chainEvents,
  decideIdempotentOutcome,
  type EventRow,
  type InsertEventsResult,
} from '@auditkit/core/store';
import { ORG_A } from '@auditkit/core/testing';

let made = 0;

/**
 * A row as core hands it to the store, for tests below the public API. `fingerprint` stands for
 * the content; ids are unique and increase unless one is given.
 */
export function eventRow(
  idempotencyKey: string,
  fingerprint: string,
  overrides: Partial<EventRow> = {},
): EventRow {
  made++;
  return {
    object: 'audit_log_event',
    id: `audit_log_event_TEST${String(made).padStart(22, '0')}`,
    organizationId: ORG_A,
    action: 'user.signed_in',
    version: 1,
    occurredAt: new Date('2024-05-01T12:00:00.000Z'),
    actor: { type: 'user', id: 'user_1' },
    targets: [],
    context: { location: '10.0.0.1' },
    metadata: { content: fingerprint },
    receivedAt: new Date(Date.UTC(2024, 4, 1, 12, 0, 0, made)),
    idempotencyKey,
    fingerprint,
    ...overrides,
  };
}

/** `store.insertEvents(rows)` with core's idempotency decision, as `createEvents` calls it. */
export function insertRows(store: AuditStore, rows: readonly EventRow[]): Promise<InsertEventsResult> {
  return store.insertEvents(rows, (facts) => decideIdempotentOutcome(rows, facts), chainEvents);
}
