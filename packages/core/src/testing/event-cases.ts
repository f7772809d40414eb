import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError, expectErrorAt } from './expect-error.js';
import { countEvents, declareSchemas, ORG_A, signInEvent } from './fixtures.js';

const keys = (count: number, length = 8) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${String(i).padStart(length - 1, '0')}`, i]));

export function eventCases(context: ConformanceContext): void {
  describe('events', () => {
    it('stores the SPEC example and returns it in the camelCase shape', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const before = Date.now();
      const event = await log.createEvent(
        ORG_A,
        signInEvent({ metadata: { plan: 'pro', seats: 3, trial: false } }),
      );
      expect(event.id).toMatch(/^audit_log_event_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(event).toMatchObject({
        object: 'audit_log_event',
        organizationId: ORG_A,
        action: 'user.signed_in',
        version: 1,
        actor: { type: 'user', id: 'user_01GBNJC3MX9ZZJW1FSTF4C5938' },
        targets: [{ type: 'team', id: 'team_01GBNJD4MKHVKJGEWK42JNMBGS' }],
        context: { location: '123.123.123.123', userAgent: 'Chrome/104.0.0.0' },
        metadata: { plan: 'pro', seats: 3, trial: false },
        replayed: false,
      });
      expect(event.occurredAt).toEqual(new Date('2024-05-01T12:00:00.000Z'));
      expect(event.receivedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      const [stored] = (await log.listEvents({ organizationId: ORG_A })).data;
      const { replayed: _replayed, ...expected } = event;
      expect(stored).toEqual(expected);
    });

    it('accepts an ISO-8601 string for occurredAt and rejects invalid dates', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const event = await log.createEvent(ORG_A, signInEvent({ occurredAt: '2024-05-01T14:00:00+02:00' }));
      expect(event.occurredAt).toEqual(new Date('2024-05-01T12:00:00.000Z'));
      for (const occurredAt of [
        'not a date',
        '2024-13-45T00:00:00Z',
        new Date(Number.NaN),
        '',
        1714564800000,
      ]) {
        const error = await expectAuditKitError(
          log.createEvent(ORG_A, signInEvent({ occurredAt: occurredAt as string })),
          'invalid_audit_log_event',
        );
        expectErrorAt(error, 'occurredAt');
      }
      expect(await countEvents(log, ORG_A)).toBe(1);
    });

    it('defaults version to 1 and rejects a version that is not a positive integer', async () => {
      const log = await context.open();
      await declareSchemas(log);
      expect((await log.createEvent(ORG_A, signInEvent())).version).toBe(1);
      for (const version of [0, -1, 1.5, '1']) {
        const error = await expectAuditKitError(
          log.createEvent(ORG_A, signInEvent({ version: version as number })),
          'invalid_audit_log_event',
        );
        expectErrorAt(error, 'version');
      }
    });

    it('names the path of every missing or mistyped required field', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const cases: [Record<string, unknown>, string][] = [
        [{ action: undefined }, 'action'],
        [{ action: '' }, 'action'],
        [{ actor: undefined }, 'actor'],
        [{ actor: { type: 'user' } }, 'actor.id'],
        [{ actor: { id: 'u' } }, 'actor.type'],
        [{ targets: undefined }, 'targets'],
        [{ targets: [{ type: 'team' }] }, 'targets[0].id'],
        [{ context: undefined }, 'context'],
        [{ context: { userAgent: 'x' } }, 'context.location'],
        [{ actor: { type: 'user', id: 'u', name: 5 } }, 'actor.name'],
        [{ unexpected: true }, ''],
      ];
      for (const [override, path] of cases) {
        const error = await expectAuditKitError(
          log.createEvent(ORG_A, { ...signInEvent(), ...override } as never),
          'invalid_audit_log_event',
        );
        if (path) expectErrorAt(error, path);
        expect(error.message).toMatch(/Invalid audit log event/);
      }
      expect(await countEvents(log, ORG_A)).toBe(0);
    });

    describe('metadata limits on the event, the actor and each target', () => {
      const slots = [
        {
          name: 'event',
          path: 'metadata',
          put: (metadata: unknown) => signInEvent({ metadata: metadata as never }),
        },
        {
          name: 'actor',
          path: 'actor.metadata',
          put: (metadata: unknown) =>
            signInEvent({ actor: { type: 'user', id: 'u1', metadata: metadata as never } }),
        },
        {
          name: 'target',
          path: 'targets[0].metadata',
          put: (metadata: unknown) =>
            signInEvent({ targets: [{ type: 'team', id: 't1', metadata: metadata as never }] }),
        },
      ];
      for (const slot of slots) {
        it(`${slot.name}: 50 keys, 40-character keys and 500-character values are accepted`, async () => {
          const log = await context.open();
          await declareSchemas(log);
          await log.createEvent(ORG_A, slot.put(keys(50)));
          await log.createEvent(ORG_A, slot.put({ ['k'.repeat(40)]: 'v', 'a-b_C9': 1 }));
          await log.createEvent(ORG_A, slot.put({ long: 'x'.repeat(500), negative: -2.5, flag: true }));
          expect(await countEvents(log, ORG_A)).toBe(3);
        });

        it(`${slot.name}: 51 keys, 41-character keys, 501-character values and nested values are rejected`, async () => {
          const log = await context.open();
          await declareSchemas(log);
          const rejected: [unknown, string][] = [
            [keys(51), slot.path],
            [{ ['k'.repeat(41)]: 'v' }, `${slot.path}.${'k'.repeat(41)}`],
            [{ 'bad key': 'v' }, `${slot.path}.bad key`],
            [{ long: 'x'.repeat(501) }, `${slot.path}.long`],
            [{ nested: { a: 1 } }, `${slot.path}.nested`],
            [{ list: [1, 2] }, `${slot.path}.list`],
            [{ nothing: null }, `${slot.path}.nothing`],
            [{ infinite: Number.POSITIVE_INFINITY }, `${slot.path}.infinite`],
            [{ notANumber: Number.NaN }, `${slot.path}.notANumber`],
            [['array'], slot.path],
            ['text', slot.path],
          ];
          for (const [metadata, path] of rejected) {
            const error = await expectAuditKitError(
              log.createEvent(ORG_A, slot.put(metadata)),
              'invalid_audit_log_event',
            );
            expectErrorAt(error, path);
          }
          expect(await countEvents(log, ORG_A)).toBe(0);
        });
      }
    });

    it('rejects a batch with one bad event, storing nothing and reporting its index', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const batch = [
        signInEvent(),
        signInEvent({ context: { location: '' } }),
        signInEvent({ action: 'user.signed_out' }),
      ];
      const error = await expectAuditKitError(log.createEvents(ORG_A, batch), 'invalid_audit_log_event');
      expectErrorAt(error, 'context.location', 1);
      expect(error.errors.every((detail) => detail.index === 1)).toBe(true);
      expect(await countEvents(log, ORG_A)).toBe(0);
    });

    it('stores a valid batch in order and rejects a batch over the size limit as a whole', async () => {
      const log = await context.open({ limits: { maxBatchSize: 5 } });
      await declareSchemas(log);
      const batch = Array.from({ length: 5 }, (_, i) => signInEvent({ metadata: { i } }));
      const stored = await log.createEvents(ORG_A, batch);
      expect(stored.map((event) => event.metadata?.i)).toEqual([0, 1, 2, 3, 4]);
      await expectAuditKitError(
        log.createEvents(ORG_A, [...batch, signInEvent()]),
        'invalid_audit_log_event',
      );
      expect(await countEvents(log, ORG_A)).toBe(5);
    });

    it('rejects an invalid organization id', async () => {
      const log = await context.open();
      await declareSchemas(log);
      for (const organizationId of ['', 5, undefined, 'x'.repeat(256)]) {
        await expectAuditKitError(
          log.createEvent(organizationId as string, signInEvent()),
          'invalid_request',
        );
      }
    });
  });
}
