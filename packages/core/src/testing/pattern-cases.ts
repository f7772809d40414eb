import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError, expectErrorAt } from './expect-error.js';
import { countEvents, ORG_A, ORG_B, signInEvent } from './fixtures.js';

/** Exponential for a backtracking engine: 29 `a`s and a `!` take a JavaScript RegExp seconds (each `a` more doubles it). */
const EVIL_PATTERN = '^(a+)+$';
const CRAFTED_VALUE = `${'a'.repeat(29)}!`;
/** Far above RE2's microseconds, far below the seconds a backtracking engine needs: a sanity bound, not a speed goal. */
const SANITY_BOUND_MS = 2000;

const withCode = (code: string) =>
  signInEvent({ action: 'code.checked', targets: [{ type: 'team', id: 'team_1' }], metadata: { code } });

export function patternCases(context: ConformanceContext): void {
  describe('metadata patterns', () => {
    it('checks an exponentially backtracking pattern in linear time, with correct results', async () => {
      const log = await context.open();
      await log.createSchema({
        action: 'code.checked',
        targets: [{ type: 'team' }],
        metadata: { type: 'object', properties: { code: { type: 'string', pattern: EVIL_PATTERN } } },
      });
      const started = performance.now();
      const error = await expectAuditKitError(
        log.createEvent(ORG_A, withCode(CRAFTED_VALUE)),
        'invalid_audit_log_event',
      );
      const elapsed = performance.now() - started;
      expectErrorAt(error, 'metadata.code');
      expect(error.errors[0]?.message).toContain(`must match pattern /${EVIL_PATTERN}/`);
      expect(elapsed, 'the crafted value must not stall the event loop').toBeLessThan(SANITY_BOUND_MS);

      // Other organizations are served meanwhile, and matching values are stored.
      const [short, long] = await Promise.all([
        log.createEvent(ORG_B, withCode('a')),
        log.createEvent(ORG_A, withCode('a'.repeat(500))),
      ]);
      expect(short.metadata).toEqual({ code: 'a' });
      expect(long.metadata).toEqual({ code: 'a'.repeat(500) });
      for (const code of ['', 'ab', 'a\n', `${'a'.repeat(499)}b`]) {
        const rejected = await expectAuditKitError(
          log.createEvent(ORG_A, withCode(code)),
          'invalid_audit_log_event',
        );
        expectErrorAt(rejected, 'metadata.code');
      }
      expect(await countEvents(log, ORG_A)).toBe(1);
    });

    it('follows JSON Schema semantics: a pattern matches anywhere unless anchored', async () => {
      const log = await context.open();
      await log.createSchema({
        action: 'code.checked',
        targets: [
          {
            type: 'team',
            metadata: { type: 'object', properties: { ref: { type: 'string', pattern: '\\d{3}' } } },
          },
        ],
        metadata: { type: 'object', properties: { code: { type: 'string', pattern: '^[\\p{L}-]+$' } } },
      });
      const event = (code: string, ref: string) =>
        signInEvent({
          action: 'code.checked',
          targets: [{ type: 'team', id: 't', metadata: { ref } }],
          metadata: { code },
        });
      await log.createEvent(ORG_A, event('Zoë-Ünïcode', 'ref-123-x'));
      const error = await expectAuditKitError(
        log.createEvent(ORG_A, event('no spaces', 'ref-12')),
        'invalid_audit_log_event',
      );
      expectErrorAt(error, 'metadata.code');
      expectErrorAt(error, 'targets[0].metadata.ref');
    });

    it('refuses patterns that need backtracking or compile to a huge program, naming the pattern', async () => {
      const log = await context.open();
      for (const pattern of ['^(a)\\1$', '^(?=a)a$', '(?<!x)a', '(?:a?){1000}a{1000}', 'a'.repeat(1001)]) {
        const error = await expectAuditKitError(
          log.createSchema({
            action: 'code.checked',
            targets: [],
            metadata: { type: 'object', properties: { code: { type: 'string', pattern } } },
          }),
          'invalid_request',
        );
        expectErrorAt(error, 'metadata.properties.code.pattern');
      }
    });

    it('refuses an event whose pattern checks would exceed the per-event budget, before running them', async () => {
      const log = await context.open();
      await log.createSchema({
        action: 'code.checked',
        targets: [
          {
            type: 'team',
            metadata: { type: 'object', properties: { code: { type: 'string', pattern: '^[a-z]{0,400}$' } } },
          },
        ],
      });
      const target = (i: number) => ({ type: 'team', id: `team_${i}`, metadata: { code: 'a'.repeat(400) } });
      const one = await log.createEvent(ORG_A, signInEvent({ action: 'code.checked', targets: [target(0)] }));
      expect(one.targets[0]?.metadata).toEqual({ code: 'a'.repeat(400) });
      const error = await expectAuditKitError(
        log.createEvent(
          ORG_A,
          signInEvent({ action: 'code.checked', targets: Array.from({ length: 100 }, (_, i) => target(i)) }),
        ),
        'invalid_audit_log_event',
      );
      expectErrorAt(error, 'metadata');
      expect(error.errors[0]?.message).toMatch(/more than the [\d,]+ one event may use/);
      expect(await countEvents(log, ORG_A)).toBe(1);
    });
  });
}
