import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../event-model.js';
import { identifyEvent } from '../fingerprint.js';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError } from './expect-error.js';
import { countEvents, declareSchemas, ORG_A, signInEvent } from './fixtures.js';

/** `signInEvent()` as validation normalizes it (version defaulted, no undefined fields). */
const NORMALIZED_SIGN_IN: NormalizedEvent = {
  action: 'user.signed_in',
  occurredAt: new Date('2024-05-01T12:00:00.000Z'),
  version: 1,
  actor: { type: 'user', id: 'user_01GBNJC3MX9ZZJW1FSTF4C5938' },
  targets: [{ type: 'team', id: 'team_01GBNJD4MKHVKJGEWK42JNMBGS' }],
  context: { location: '123.123.123.123', userAgent: 'Chrome/104.0.0.0' },
};

/** The key AuditKit derives for `signInEvent()` sent to ORG_A without a key: what an attacker would spell. */
const derivedKeyOfSignIn = () => identifyEvent(ORG_A, NORMALIZED_SIGN_IN, undefined).idempotencyKey;

export function keyNamespaceCases(context: ConformanceContext): void {
  describe('idempotency key namespaces', () => {
    it('does not let a caller key spelled like a derived key occupy that content’s derived key', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const squatKey = derivedKeyOfSignIn();
      expect(squatKey).toMatch(/^content_[0-9a-f]{64}$/);
      const squatter = await log.createEvent(ORG_A, signInEvent({ metadata: { squat: true } }), {
        idempotencyKey: squatKey,
      });
      // The keyless event whose derived key was spelled is stored, not refused as a conflict…
      const keyless = await log.createEvent(ORG_A, signInEvent());
      expect(keyless.replayed).toBe(false);
      expect(keyless.id).not.toBe(squatter.id);
      // …and both keys keep deduplicating on their own.
      expect((await log.createEvent(ORG_A, signInEvent())).id).toBe(keyless.id);
      const replay = await log.createEvent(ORG_A, signInEvent({ metadata: { squat: true } }), {
        idempotencyKey: squatKey,
      });
      expect([replay.id, replay.replayed]).toEqual([squatter.id, true]);
      const conflict = await expectAuditKitError(
        log.createEvent(ORG_A, signInEvent({ metadata: { other: 1 } }), { idempotencyKey: squatKey }),
        'idempotency_conflict',
      );
      expect(conflict.message).toContain(`key "${squatKey}"`);
      expect(await countEvents(log, ORG_A)).toBe(2);
    });

    it('keeps every caller key distinct, including keys shaped like the escaped form', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const derived = derivedKeyOfSignIn();
      const keys = [
        derived,
        `${derived}:explicit`,
        `${derived}:explicit:explicit`,
        'plain-key',
        `${derived}x`,
      ];
      const created = [];
      for (const [index, idempotencyKey] of keys.entries()) {
        created.push(await log.createEvent(ORG_A, signInEvent({ metadata: { index } }), { idempotencyKey }));
      }
      expect(new Set(created.map((event) => event.id)).size).toBe(keys.length);
      for (const [index, idempotencyKey] of keys.entries()) {
        const replay = await log.createEvent(ORG_A, signInEvent({ metadata: { index } }), { idempotencyKey });
        expect([replay.id, replay.replayed], idempotencyKey).toEqual([created[index]?.id, true]);
      }
      // In one batch too: the same five keys are five events, all replays.
      const batch = await log.createEvents(
        ORG_A,
        keys.map((idempotencyKey, index) => ({
          event: signInEvent({ metadata: { index } }),
          idempotencyKey,
        })),
      );
      expect(batch.map((event) => event.id)).toEqual(created.map((event) => event.id));
      expect((await log.createEvent(ORG_A, signInEvent())).replayed).toBe(false);
      expect(await countEvents(log, ORG_A)).toBe(keys.length + 1);
    });
  });
}
