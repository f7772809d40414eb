import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import { AuditKitError } from '../errors.js';
import type { CreateAuditLogEventInput, CreatedAuditLogEvent } from '../event-model.js';
import type { AuditStore } from '../store.js';
import type { ConformanceContext } from './context.js';
import { countEvents, declareSchemas, ORG_A, ORG_B, signInEvent } from './fixtures.js';

/**
 * The store, with the row count of every `insertEvents` call recorded in `sizes`. A proxy that
 * calls each method on the store itself, so class-based stores (private fields) work too.
 */
function recordingInserts(store: AuditStore, sizes: number[]): AuditStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'insertEvents') {
        return (...args: Parameters<AuditStore['insertEvents']>) => {
          sizes.push(args[0].length);
          return target.insertEvents(...args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

const tagged = (tag: string, overrides: Partial<CreateAuditLogEventInput> = {}) =>
  signInEvent({ metadata: { tag }, ...overrides });

/** What one call is expected to end with. */
type Expected =
  | { kind: 'stored'; tag: string }
  | { kind: 'replayed'; id: () => string | undefined }
  | { kind: 'error'; code: AuditKitError['code'] }
  /** One of a pair with the same key: the pair is checked together. */
  | { kind: 'twin'; pair: string };

interface Call {
  organizationId: string;
  event: CreateAuditLogEventInput;
  key?: string;
  expected: Expected;
}

function send(log: AuditLog, call: Call): Promise<CreatedAuditLogEvent> {
  return call.key === undefined
    ? log.createEvent(call.organizationId, call.event)
    : log.createEvent(call.organizationId, call.event, { idempotencyKey: call.key });
}

/** A fixed interleaving, so each kind of call sits between calls of other kinds. */
function interleaved<T>(items: T[]): T[] {
  const out: T[] = [];
  for (let stride = 0; stride < 5; stride++) {
    for (let i = stride; i < items.length; i += 5) out.push(items[i] as T);
  }
  return out;
}

export function groupCommitCases(context: ConformanceContext): void {
  describe('group commit of concurrent createEvent calls', () => {
    it('gives each of a mixed group of valid, invalid, replayed and conflicting calls exactly its own outcome', async () => {
      const sizes: number[] = [];
      // A window long enough that every call below joins the first group on any machine.
      const log = await context.openWrapped((store) => recordingInserts(store, sizes), {
        groupCommit: { windowMs: 300, maxEvents: 1000 },
      });
      await declareSchemas(log);
      const pre = await log.createEvents(
        ORG_A,
        Array.from({ length: 6 }, (_, i) => ({ event: tagged(`pre-${i}`), idempotencyKey: `pre-${i}` })),
      );
      sizes.length = 0;

      const calls: Call[] = [
        ...Array.from(
          { length: 12 },
          (_, i): Call => ({
            organizationId: ORG_A,
            event: tagged(`fresh-${i}`),
            key: `fresh-${i}`,
            expected: { kind: 'stored', tag: `fresh-${i}` },
          }),
        ),
        // The same keys in another organization are other events, in the same group.
        ...Array.from(
          { length: 4 },
          (_, i): Call => ({
            organizationId: ORG_B,
            event: tagged(`b-${i}`),
            key: `fresh-${i}`,
            expected: { kind: 'stored', tag: `b-${i}` },
          }),
        ),
        ...Array.from(
          { length: 4 },
          (_, i): Call => ({
            organizationId: ORG_A,
            event: tagged(`derived-${i}`),
            expected: { kind: 'stored', tag: `derived-${i}` },
          }),
        ),
        ...[0, 1, 2].map(
          (i): Call => ({
            organizationId: ORG_A,
            event: tagged(`pre-${i}`),
            key: `pre-${i}`,
            expected: { kind: 'replayed', id: () => pre[i]?.id },
          }),
        ),
        ...[3, 4, 5].map(
          (i): Call => ({
            organizationId: ORG_A,
            event: tagged(`other-${i}`),
            key: `pre-${i}`,
            expected: { kind: 'error', code: 'idempotency_conflict' },
          }),
        ),
        {
          organizationId: ORG_A,
          event: tagged('bad-action', { action: 'no.such.action' }),
          key: 'bad-1',
          expected: { kind: 'error', code: 'invalid_audit_log_event' },
        },
        {
          organizationId: ORG_A,
          event: tagged('bad-context', { context: { location: '' } }),
          key: 'bad-2',
          expected: { kind: 'error', code: 'invalid_audit_log_event' },
        },
        {
          organizationId: ORG_A,
          event: tagged('bad-key'),
          key: '',
          expected: { kind: 'error', code: 'invalid_audit_log_event' },
        },
        {
          organizationId: '',
          event: tagged('bad-org'),
          key: 'bad-3',
          expected: { kind: 'error', code: 'invalid_request' },
        },
        // Two calls with one key and one content; two with one key and other contents; two
        // identical calls without a key.
        ...['same', 'same', 'diff-a', 'diff-b'].map(
          (tag, i): Call => ({
            organizationId: ORG_A,
            event: tagged(tag),
            key: i < 2 ? 'twin-same' : 'twin-diff',
            expected: { kind: 'twin', pair: i < 2 ? 'twin-same' : 'twin-diff' },
          }),
        ),
        ...[0, 1].map(
          (): Call => ({
            organizationId: ORG_A,
            event: tagged('derived-twin'),
            expected: { kind: 'twin', pair: 'derived-twin' },
          }),
        ),
      ];
      const ordered = interleaved(calls);
      const settled = await Promise.allSettled(ordered.map((call) => send(log, call)));

      const twins = new Map<string, PromiseSettledResult<CreatedAuditLogEvent>[]>();
      for (const [index, call] of ordered.entries()) {
        const outcome = settled[index] as PromiseSettledResult<CreatedAuditLogEvent>;
        const { expected } = call;
        const label = `call ${JSON.stringify({ org: call.organizationId, key: call.key, expected })}`;
        if (expected.kind === 'twin') {
          twins.set(expected.pair, [...(twins.get(expected.pair) ?? []), outcome]);
        } else if (expected.kind === 'error') {
          expect(outcome.status, label).toBe('rejected');
          const reason = (outcome as PromiseRejectedResult).reason as unknown;
          expect(reason, label).toBeInstanceOf(AuditKitError);
          expect((reason as AuditKitError).code, label).toBe(expected.code);
          if (expected.code === 'idempotency_conflict')
            expect((reason as AuditKitError).message).toContain(`"${call.key}"`);
        } else {
          expect(outcome.status, label).toBe('fulfilled');
          const event = (outcome as PromiseFulfilledResult<CreatedAuditLogEvent>).value;
          if (expected.kind === 'stored') {
            expect(event.replayed, label).toBe(false);
            expect(event.organizationId, label).toBe(call.organizationId);
            expect(event.metadata, label).toEqual({ tag: expected.tag });
          } else {
            expect(event.replayed, label).toBe(true);
            expect(event.id, label).toBe(expected.id());
          }
        }
      }

      const [same1, same2] = twins.get('twin-same') ?? [];
      const same = [same1, same2].map((o) => (o as PromiseFulfilledResult<CreatedAuditLogEvent>).value);
      expect([same1?.status, same2?.status]).toEqual(['fulfilled', 'fulfilled']);
      expect(same.map((event) => event.replayed).sort()).toEqual([false, true]);
      expect(same[0]?.id).toBe(same[1]?.id);
      const derived = (twins.get('derived-twin') ?? []).map(
        (o) => (o as PromiseFulfilledResult<CreatedAuditLogEvent>).value,
      );
      expect(derived.map((event) => event.replayed).sort()).toEqual([false, true]);
      expect(derived[0]?.id).toBe(derived[1]?.id);
      const diff = twins.get('twin-diff') ?? [];
      const winner = diff.find(
        (o) => o.status === 'fulfilled',
      ) as PromiseFulfilledResult<CreatedAuditLogEvent>;
      const loser = diff.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(winner, 'one of the two calls with twin-diff is stored').toBeDefined();
      expect(winner.value.replayed).toBe(false);
      expect(loser, 'one of the two calls with twin-diff is rejected').toBeDefined();
      expect((loser.reason as AuditKitError).code).toBe('idempotency_conflict');

      // What the database holds: each stored call once, nothing of the rejected ones.
      expect(await countEvents(log, ORG_A)).toBe(6 + 12 + 4 + 1 + 1 + 1);
      expect(await countEvents(log, ORG_B)).toBe(4);
      const stored = (await log.listEvents({ organizationId: ORG_A, limit: 100 })).data;
      const tags = stored.map((event) => event.metadata?.tag).sort();
      expect(tags).toEqual(
        [
          ...Array.from({ length: 6 }, (_, i) => `pre-${i}`),
          ...Array.from({ length: 12 }, (_, i) => `fresh-${i}`),
          ...Array.from({ length: 4 }, (_, i) => `derived-${i}`),
          'same',
          winner.value.metadata?.tag,
          'derived-twin',
        ].sort(),
      );
      expect(stored.find((event) => event.id === winner.value.id)?.metadata).toEqual(winner.value.metadata);
      // The calls were written in groups (one insertEvents call for many callers), no group
      // holding one key twice. The 34 calls of one turn are shared out over the default 2
      // concurrent writes: about 17 each on a sealer store (MongoDB); a store that links as it
      // writes keeps organizations apart, so ORG_A's 30 calls go together.
      expect(Math.max(...sizes)).toBeGreaterThanOrEqual(10);
    });

    for (const [name, groupCommit] of [
      ['default settings', undefined],
      ['a window', { windowMs: 100 }],
    ] as const) {
      it(`stores one key sent by 16 concurrent callers once, as sequential calls would (${name})`, async () => {
        const log = await context.open(groupCommit ? { groupCommit } : {});
        await declareSchemas(log);
        const replays = await Promise.all(
          Array.from({ length: 16 }, () => log.createEvent(ORG_A, tagged('one'), { idempotencyKey: 'one' })),
        );
        expect(replays.filter((event) => !event.replayed)).toHaveLength(1);
        expect(new Set(replays.map((event) => event.id)).size).toBe(1);

        const contested = await Promise.allSettled(
          Array.from({ length: 16 }, (_, i) =>
            log.createEvent(ORG_A, tagged(`two-${i}`), { idempotencyKey: 'two' }),
          ),
        );
        const won = contested.filter((o) => o.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const lost of contested.filter((o) => o.status === 'rejected'))
          expect(((lost as PromiseRejectedResult).reason as AuditKitError).code).toBe('idempotency_conflict');
        const stored = (await log.listEvents({ organizationId: ORG_A })).data;
        expect(stored.map((event) => event.metadata?.tag).sort()).toEqual(
          ['one', (won[0] as PromiseFulfilledResult<CreatedAuditLogEvent>).value.metadata?.tag].sort(),
        );
      });
    }

    it('stores 64 concurrent callers once each with default settings, and keeps groups within maxEvents', async () => {
      const sizes: number[] = [];
      const log = await context.openWrapped((store) => recordingInserts(store, sizes), {
        groupCommit: { windowMs: 50, maxEvents: 5 },
      });
      await declareSchemas(log);
      const bounded = await Promise.all(
        Array.from({ length: 23 }, (_, i) => log.createEvent(ORG_B, tagged(`bounded-${i}`))),
      );
      expect(new Set(bounded.map((event) => event.id)).size).toBe(23);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(5);
      expect(await countEvents(log, ORG_B)).toBe(23);

      const defaults = await context.open();
      await declareSchemas(defaults);
      const created = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          defaults.createEvent(ORG_A, tagged(`many-${i}`), { idempotencyKey: `many-${i}` }),
        ),
      );
      expect(created.every((event, i) => !event.replayed && event.metadata?.tag === `many-${i}`)).toBe(true);
      expect(new Set(created.map((event) => event.id)).size).toBe(64);
      expect(await countEvents(defaults, ORG_A)).toBe(64);
      const again = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          defaults.createEvent(ORG_A, tagged(`many-${i}`), { idempotencyKey: `many-${i}` }),
        ),
      );
      expect(again.map((event) => [event.id, event.replayed])).toEqual(
        created.map((event) => [event.id, true]),
      );
    });
  });
}
