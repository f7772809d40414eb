import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError, expectErrorAt } from './expect-error.js';
import { countEvents, declareSchemas, ORG_A, ORG_B, signInEvent } from './fixtures.js';

export function idempotencyCases(context: ConformanceContext): void {
  describe('idempotency', () => {
    it('replays a key with the same content: same id, marked replayed, nothing new stored', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const first = await log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'signin-7f3a' });
      // Same content, given as an ISO string and with keys in another order.
      const { actor, action, ...rest } = signInEvent();
      const retry = await log.createEvent(
        ORG_A,
        { ...rest, occurredAt: '2024-05-01T12:00:00.000Z', action, actor },
        { idempotencyKey: 'signin-7f3a' },
      );
      expect(first.replayed).toBe(false);
      expect(retry.replayed).toBe(true);
      expect(retry.id).toBe(first.id);
      expect(retry.receivedAt).toEqual(first.receivedAt);
      expect(await countEvents(log, ORG_A)).toBe(1);
    });

    it('rejects a key reused with other content as idempotency_conflict and stores nothing', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const original = await log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'k1' });
      const error = await expectAuditKitError(
        log.createEvent(ORG_A, signInEvent({ context: { location: '10.0.0.1' } }), { idempotencyKey: 'k1' }),
        'idempotency_conflict',
      );
      expect(error.message).toMatch(/k1/);
      const stored = (await log.listEvents({ organizationId: ORG_A })).data;
      expect(stored.map((event) => [event.id, event.context.location])).toEqual([
        [original.id, '123.123.123.123'],
      ]);
    });

    it('scopes keys to the organization', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const inA = await log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'shared-key' });
      const inB = await log.createEvent(ORG_B, signInEvent({ metadata: { other: true } }), {
        idempotencyKey: 'shared-key',
      });
      expect(inB.id).not.toBe(inA.id);
      expect(inB.replayed).toBe(false);
      expect([await countEvents(log, ORG_A), await countEvents(log, ORG_B)]).toEqual([1, 1]);
    });

    it('derives a key from the content: an exact retry is deduplicated, any difference is a new event', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const base = signInEvent({
        actor: { type: 'user', id: 'u1', name: 'Ada', metadata: { role: 'admin' } },
        targets: [{ type: 'team', id: 't1', name: 'Core', metadata: { size: 3 } }],
        metadata: { method: 'sso' },
      });
      const first = await log.createEvent(ORG_A, base);
      const retry = await log.createEvent(ORG_A, structuredClone(base));
      expect(retry).toMatchObject({ id: first.id, replayed: true });
      const variants = [
        { action: 'user.signed_out' },
        { occurredAt: new Date('2024-05-01T12:00:00.001Z') },
        { version: 2 },
        { actor: { ...base.actor, type: 'service' } },
        { actor: { ...base.actor, id: 'u2' } },
        { actor: { ...base.actor, name: 'Ada L.' } },
        { actor: { ...base.actor, metadata: { role: 'owner' } } },
        { targets: [{ ...base.targets[0], id: 't2' }] },
        { targets: [{ ...base.targets[0], name: 'Core 2' }] },
        { targets: [{ ...base.targets[0], metadata: { size: 4 } }] },
        { targets: [...base.targets, { type: 'user', id: 'u9' }] },
        { context: { location: '123.123.123.124', userAgent: 'Chrome/104.0.0.0' } },
        { context: { location: '123.123.123.123' } },
        { metadata: { method: 'password' } },
        { metadata: undefined },
      ];
      await log.createSchema({
        action: 'user.signed_in',
        targets: [{ type: 'team' }, { type: 'user' }],
        metadata: {},
      });
      const ids = new Set([first.id]);
      for (const variant of variants) {
        const created = await log.createEvent(ORG_A, { ...base, ...variant } as typeof base);
        expect(created.replayed, JSON.stringify(variant)).toBe(false);
        ids.add(created.id);
      }
      expect(ids.size).toBe(variants.length + 1);
      expect(await countEvents(log, ORG_A)).toBe(variants.length + 1);
      const inOtherOrg = await log.createEvent(ORG_B, base);
      expect(inOtherOrg.replayed).toBe(false);
    });

    it('stores one event when 50 calls race with one key', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'race' })),
      );
      expect(new Set(results.map((event) => event.id)).size).toBe(1);
      expect(results.filter((event) => !event.replayed)).toHaveLength(1);
      expect(await countEvents(log, ORG_A)).toBe(1);
    });

    it('stores one event when 50 identical calls race without a key', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => log.createEvent(ORG_A, signInEvent())),
      );
      expect(new Set(results.map((event) => event.id)).size).toBe(1);
      expect(await countEvents(log, ORG_A)).toBe(1);
    });

    it('lets exactly one of many racing calls with one key and different content win', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          log.createEvent(ORG_A, signInEvent({ metadata: { attempt: i } }), { idempotencyKey: 'contested' }),
        ),
      );
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected')
          expect(outcome.reason).toMatchObject({ code: 'idempotency_conflict' });
      }
      expect(await countEvents(log, ORG_A)).toBe(1);
    });

    it('replays a whole batch and rejects a batch with one conflicting key, storing nothing of it', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const batch = Array.from({ length: 10 }, (_, i) => ({
        event: signInEvent({ metadata: { i } }),
        idempotencyKey: `batch-${i}`,
      }));
      const stored = await log.createEvents(ORG_A, batch);
      const replayed = await log.createEvents(ORG_A, batch);
      expect(replayed.map((event) => event.id)).toEqual(stored.map((event) => event.id));
      expect(replayed.every((event) => event.replayed)).toBe(true);

      const mixed = [
        { event: signInEvent({ metadata: { i: 100 } }), idempotencyKey: 'fresh-1' },
        { event: signInEvent({ metadata: { i: 999 } }), idempotencyKey: 'batch-3' },
        { event: signInEvent({ metadata: { i: 101 } }), idempotencyKey: 'fresh-2' },
      ];
      const error = await expectAuditKitError(log.createEvents(ORG_A, mixed), 'idempotency_conflict');
      expectErrorAt(error, 'idempotencyKey', 1);
      expect(await countEvents(log, ORG_A)).toBe(10);
    });

    it('treats a key repeated inside one batch as one event, or a conflict when the content differs', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const same = await log.createEvents(ORG_A, [
        { event: signInEvent(), idempotencyKey: 'dup' },
        { event: signInEvent(), idempotencyKey: 'dup' },
      ]);
      expect(same[1]).toMatchObject({ id: same[0]?.id, replayed: true });
      const error = await expectAuditKitError(
        log.createEvents(ORG_A, [
          { event: signInEvent({ metadata: { n: 1 } }), idempotencyKey: 'dup2' },
          { event: signInEvent({ metadata: { n: 2 } }), idempotencyKey: 'dup2' },
        ]),
        'idempotency_conflict',
      );
      expectErrorAt(error, 'idempotencyKey', 1);
      expect(await countEvents(log, ORG_A)).toBe(1);
    });

    it('rejects an invalid idempotency key', async () => {
      const log = await context.open();
      await declareSchemas(log);
      for (const idempotencyKey of ['', 'x'.repeat(256), 'nul\u0000key', 42]) {
        const error = await expectAuditKitError(
          log.createEvent(ORG_A, signInEvent(), { idempotencyKey: idempotencyKey as string }),
          'invalid_audit_log_event',
        );
        expectErrorAt(error, 'idempotencyKey');
      }
      expect(await countEvents(log, ORG_A)).toBe(0);
    });
  });
}
