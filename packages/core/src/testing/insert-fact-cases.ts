import { describe, expect, it } from 'vitest';
import type { AuditLogEvent } from '../event-model.js';
import { decideIdempotentOutcome } from '../idempotent-outcome.js';
import { newEventId } from '../ids.js';
import { chainEvents } from '../integrity/sequence-chain.js';
import type { AuditStore, EventRow, EventWriteFact } from '../store.js';
import type { ConformanceContext } from './context.js';
import { ORG_A } from './fixtures.js';

/** A row as core hands it to `insertEvents`; `fingerprint` stands for the content. */
function row(idempotencyKey: string, fingerprint: string): EventRow {
  const receivedAt = new Date('2024-05-01T12:00:01.000Z');
  return {
    object: 'audit_log_event',
    id: newEventId(receivedAt.getTime()),
    organizationId: ORG_A,
    action: 'user.signed_in',
    version: 1,
    occurredAt: new Date('2024-05-01T12:00:00.000Z'),
    actor: { type: 'user', id: 'user_1' },
    targets: [{ type: 'team', id: 'team_1' }],
    context: { location: '10.0.0.1' },
    metadata: { content: fingerprint },
    receivedAt,
    idempotencyKey,
    fingerprint,
  };
}

function eventOf({ idempotencyKey: _key, fingerprint: _fingerprint, ...event }: EventRow): AuditLogEvent {
  return event;
}

/** Calls `insertEvents` with core's decision, keeping every set of facts the store reported. */
async function insertRecording(store: AuditStore, rows: readonly EventRow[]) {
  const reported: (readonly EventWriteFact[])[] = [];
  const result = await store.insertEvents(
    rows,
    (facts) => {
      reported.push(structuredClone(facts));
      return decideIdempotentOutcome(rows, facts);
    },
    chainEvents,
  );
  return { result, facts: reported.at(-1) };
}

async function storedIds(store: AuditStore): Promise<string[]> {
  const events = await store.findEvents({ organizationId: ORG_A, order: 'asc', limit: 100 });
  return events.map((event) => event.id).sort();
}

/**
 * What a store reports to core's idempotency decision, checked below the public API: every store
 * must report the same facts for the same calls and act on the decision the same way.
 */
export function insertFactCases(context: ConformanceContext): void {
  describe('insert facts', () => {
    it('reports inserted rows, and the fingerprint and event stored under a taken key', async () => {
      await context.open();
      const store = context.lastStore();
      const first = row('taken', 'content-1');
      expect(await insertRecording(store, [first])).toEqual({
        result: { status: 'stored', events: [{ event: eventOf(first), replayed: false }] },
        facts: [{ inserted: true }],
      });

      const fresh = row('fresh', 'content-2');
      const retried = row('taken', 'content-1');
      expect(await insertRecording(store, [fresh, retried])).toEqual({
        result: {
          status: 'stored',
          events: [
            { event: eventOf(fresh), replayed: false },
            { event: eventOf(first), replayed: true },
          ],
        },
        facts: [
          { inserted: true },
          { inserted: false, stored: { fingerprint: 'content-1', event: eventOf(first) } },
        ],
      });
      expect(await storedIds(store)).toEqual([first.id, fresh.id].sort());
    });

    it('leaves nothing of a call stored when core decides a conflict', async () => {
      await context.open();
      const store = context.lastStore();
      const first = row('taken', 'content-1');
      await insertRecording(store, [first]);

      const { result, facts } = await insertRecording(store, [
        row('new-1', 'content-2'),
        row('taken', 'other-content'),
        row('new-2', 'content-3'),
      ]);
      expect(result).toEqual({ status: 'conflict', indexes: [1] });
      expect(facts?.map((fact) => fact.inserted)).toEqual([true, false, true]);
      expect(await storedIds(store)).toEqual([first.id]);
    });
  });
}
