import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError } from './expect-error.js';
import { declareSchemas, manyEvents, ORG_A, ORG_B, signInEvent } from './fixtures.js';
import { expectWholeSequence } from './sequence-check.js';
import type { ApplicationTransaction } from './transaction-hooks.js';

/** Seals what a sealer store has not sealed yet (a no-op where writes seal), then checks the whole chain. */
async function sealedSequence(log: AuditLog, organizationId: string) {
  await log.sealPendingEvents();
  return expectWholeSequence(log, organizationId);
}

/**
 * The commit-ordered sequence: every stored event of an organization gets position 1, 2, 3…
 * (gapless, unique, never changed) and a link of core's hash chain that recomputes from the
 * event as read back. Replays, conflicts and rolled-back caller transactions take no position.
 */
export function sequenceCases(
  context: ConformanceContext,
  begin: (() => Promise<ApplicationTransaction>) | undefined,
  options: { writersWaitWithoutBlocking?: boolean } = {},
): void {
  describe('commit-ordered sequence', () => {
    it('gives each organization its own gapless positions from 1, each hash recomputing from the event', async () => {
      const log = await context.open();
      await declareSchemas(log);
      expect(await log.getSequenceHead(ORG_A)).toBeUndefined();
      const single = await log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'seq-1' });
      const batch = await log.createEvents(ORG_A, manyEvents(5));
      await log.createEvents(ORG_B, manyEvents(3));
      const inA = await sealedSequence(log, ORG_A);
      expect(inA.map((sequenced) => sequenced.event.id)).toEqual([
        single.id,
        ...batch.map((event) => event.id),
      ]);
      expect(inA[0]?.idempotencyKey).toBe('seq-1');
      // The sequenced event is the stored event, as every read returns it.
      const { replayed: _replayed, ...stored } = single;
      expect(inA[0]?.event).toEqual(stored);
      expect((await sealedSequence(log, ORG_B)).map((sequenced) => sequenced.position)).toEqual([1, 2, 3]);
    });

    it('pages by position: only positions after afterPosition, ascending, at most limit', async () => {
      const log = await context.open();
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(12));
      await log.sealPendingEvents();
      const page = await log.readSequencedEvents({ organizationId: ORG_A, afterPosition: 4, limit: 5 });
      expect(page.map((sequenced) => sequenced.position)).toEqual([5, 6, 7, 8, 9]);
      const rest = await log.readSequencedEvents({ organizationId: ORG_A, afterPosition: 9, limit: 100 });
      expect(rest.map((sequenced) => sequenced.position)).toEqual([10, 11, 12]);
      expect(await log.readSequencedEvents({ organizationId: ORG_A, afterPosition: 12 })).toEqual([]);
      expect(await log.readSequencedEvents({ organizationId: ORG_B, afterPosition: 0 })).toEqual([]);
      for (const bad of [
        { organizationId: ORG_A, afterPosition: -1 },
        { organizationId: ORG_A, afterPosition: 1.5 },
        { organizationId: ORG_A, limit: 0 },
        { organizationId: ORG_A, limit: 1001 },
        { organizationId: '' },
      ]) {
        await expectAuditKitError(log.readSequencedEvents(bad), 'invalid_request');
      }
      await expectAuditKitError(log.getSequenceHead(''), 'invalid_request');
    });

    it('gives replays and conflicts no position: the new rows of a batch with replays close up', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const [first, second] = manyEvents(4);
      await log.createEvents(ORG_A, [
        { event: first as never, idempotencyKey: 'a' },
        { event: second as never, idempotencyKey: 'b' },
      ]);
      const replay = await log.createEvent(ORG_A, first as never, { idempotencyKey: 'a' });
      expect(replay.replayed).toBe(true);
      // Replays first, between and last, around new rows.
      const mixed = await log.createEvents(
        ORG_A,
        ['a', 'n1', 'b', 'n2', 'a'].map((key, index) => ({
          event: (key === 'a' ? first : key === 'b' ? second : signInEvent({ metadata: { index } })) as never,
          idempotencyKey: key,
        })),
      );
      expect(mixed.map((event) => event.replayed)).toEqual([true, false, true, false, true]);
      await expectAuditKitError(
        log.createEvents(ORG_A, [
          { event: signInEvent({ metadata: { fresh: true } }), idempotencyKey: 'n3' },
          { event: signInEvent({ metadata: { other: true } }), idempotencyKey: 'a' },
        ]),
        'idempotency_conflict',
      );
      const after = await log.createEvent(ORG_A, signInEvent({ metadata: { last: true } }));
      const sequence = await sealedSequence(log, ORG_A);
      expect(sequence.map((sequenced) => sequenced.idempotencyKey).slice(0, 4)).toEqual([
        'a',
        'b',
        'n1',
        'n2',
      ]);
      expect(sequence.map((sequenced) => sequenced.event.id)).toEqual([
        ...sequence.slice(0, 4).map((sequenced) => sequenced.event.id),
        after.id,
      ]);
    });

    it('hands out gapless, unique positions to concurrent writers of one organization', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const events = manyEvents(120);
      const writes = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 4 === 0
            ? log.createEvents(ORG_A, events.slice(i, i + 3))
            : log.createEvent(i % 2 === 0 ? ORG_A : ORG_B, events[i] as never),
        ),
      );
      const stored = writes.flat().filter((event) => !event.replayed);
      const inA = await sealedSequence(log, ORG_A);
      const inB = await sealedSequence(log, ORG_B);
      expect(inA.length + inB.length).toBe(stored.length);
      expect(new Set([...inA, ...inB].map((sequenced) => sequenced.event.id))).toEqual(
        new Set(stored.map((event) => event.id)),
      );
    });

    it('continues the chain where another writer of the database moved the head, and after a rolled-back write', async () => {
      // A SQL store links a write after the head it wrote last, if the database still holds it;
      // here a second store on the same database (as another process) moves the head between
      // its writes, and a conflicting write it linked and rolled back must leave no trace.
      const log = await context.open();
      await declareSchemas(log);
      const other = (context.capabilities.persistent ? await context.reopen?.() : undefined) ?? log;
      const events = manyEvents(40);
      const written: string[] = [];
      const own = async (from: number, count: number) => {
        const batch = events.slice(from, from + count).map((event, i) => ({
          event,
          idempotencyKey: `own-${from + i}`,
        }));
        written.push(...(await log.createEvents(ORG_A, batch)).map((event) => event.id));
      };
      await own(0, 3);
      await own(3, 2);
      for (let round = 0; round < 4; round++) {
        written.push((await other.createEvent(ORG_A, events[10 + round] as never)).id);
        await own(20 + round * 3, round === 3 ? 1 : 3);
      }
      await expectAuditKitError(
        log.createEvents(ORG_A, [
          { event: events[35] as never, idempotencyKey: 'own-new' },
          { event: events[36] as never, idempotencyKey: 'own-0' },
        ]),
        'idempotency_conflict',
      );
      written.push((await other.createEvent(ORG_A, events[37] as never)).id);
      await own(38, 2);
      const sequence = await sealedSequence(log, ORG_A);
      expect(sequence.map((sequenced) => sequenced.position)).toEqual(
        Array.from({ length: written.length }, (_, i) => i + 1),
      );
      expect(sequence.map((sequenced) => sequenced.event.id)).toEqual(written);
    });

    it('gives a write that continued from a concurrent write of the same process the freed positions when that write rolls back', async () => {
      // A SQL store links a write after the head its previous write is moving to, before that one
      // commits; here the previous write conflicts and rolls back, so the positions it held are
      // free again and the waiting write must not leave a gap (nor keep a link to the lost head).
      const log = await context.open();
      await declareSchemas(log);
      const events = manyEvents(12);
      const batch = (from: number, keys: string[]) =>
        keys.map((idempotencyKey, i) => ({ event: events[from + i] as never, idempotencyKey }));
      const before = await log.createEvents(ORG_A, batch(0, ['k0', 'k1']));
      for (let round = 0; round < 3; round++) {
        const [rolledBack, continued] = await Promise.allSettled([
          // 'k0' with other content: an idempotency conflict, after a new row that is undone.
          log.createEvents(ORG_A, [
            { event: events[2 + round] as never, idempotencyKey: `lost-${round}` },
            { event: events[11] as never, idempotencyKey: 'k0' },
          ]),
          log.createEvents(ORG_A, batch(5 + round * 2, [`kept-${round}-a`, `kept-${round}-b`])),
        ]);
        expect(rolledBack.status).toBe('rejected');
        expect(continued.status).toBe('fulfilled');
      }
      const sequence = await sealedSequence(log, ORG_A);
      expect(sequence.map((sequenced) => sequenced.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(sequence.map((sequenced) => sequenced.idempotencyKey)).toEqual([
        'k0',
        'k1',
        ...[0, 1, 2].flatMap((round) => [`kept-${round}-a`, `kept-${round}-b`]),
      ]);
      expect(sequence.slice(0, 2).map((sequenced) => sequenced.event.id)).toEqual(
        before.map((event) => event.id),
      );
    });

    if (!begin) return;

    it('gives a rolled-back caller transaction’s events no position, and the next event the freed one', async () => {
      const log = await context.open();
      await declareSchemas(log);
      await log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'before' });
      const transaction = await begin();
      const bound = log.withTransaction(transaction.handle);
      await bound.createEvent(ORG_A, signInEvent({ metadata: { rolledBack: 1 } }));
      await bound.createEvents(ORG_A, manyEvents(3));
      await transaction.rollback();
      const next = await log.createEvent(ORG_A, signInEvent({ metadata: { next: true } }));
      const sequence = await sealedSequence(log, ORG_A);
      expect(sequence.map((sequenced) => [sequenced.position, sequenced.event.id])).toEqual([
        [1, sequence[0]?.event.id],
        [2, next.id],
      ]);
    });

    it('sequences a committed caller transaction’s events in order after what committed before it', async () => {
      const log = await context.open();
      await declareSchemas(log);
      await log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'before' });
      const transaction = await begin();
      const bound = log.withTransaction(transaction.handle);
      const one = await bound.createEvent(ORG_A, signInEvent({ metadata: { inside: 1 } }));
      const more = await bound.createEvents(ORG_A, manyEvents(2));
      await transaction.writeAppRow('sequenced');
      await transaction.commit();
      const sequence = await sealedSequence(log, ORG_A);
      expect(sequence.map((sequenced) => sequenced.event.id).slice(1)).toEqual([
        one.id,
        ...more.map((e) => e.id),
      ]);
    });

    if (!options.writersWaitWithoutBlocking) return;

    it('orders by commit: a write that waits behind an open transaction gets the position after it', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const transaction = await begin();
      const inside = await log.withTransaction(transaction.handle).createEvent(ORG_A, signInEvent());
      // Started after the transaction wrote, it must wait for the organization's head.
      const outside = log.createEvent(ORG_A, signInEvent({ metadata: { outside: true } }));
      const waiting = await Promise.race([
        outside.then(() => 'done'),
        new Promise((r) => setTimeout(r, 200, 'waiting')),
      ]);
      expect(waiting).toBe('waiting');
      expect(await log.getSequenceHead(ORG_A)).toBeUndefined();
      await transaction.commit();
      const after = await outside;
      const sequence = await sealedSequence(log, ORG_A);
      expect(sequence.map((sequenced) => sequenced.event.id)).toEqual([inside.id, after.id]);

      // And a transaction that wrote first but rolls back hands its position to the waiter.
      const undone = await begin();
      await log
        .withTransaction(undone.handle)
        .createEvent(ORG_A, signInEvent({ metadata: { undone: true } }));
      const waiter = log.createEvent(ORG_A, signInEvent({ metadata: { waiter: true } }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await undone.rollback();
      const third = await waiter;
      expect((await sealedSequence(log, ORG_A)).map((sequenced) => sequenced.event.id)).toEqual([
        inside.id,
        after.id,
        third.id,
      ]);
    });
  });
}
