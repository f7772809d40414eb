import { afterEach, describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import { createAuditLog } from '../audit-log.js';
import { SEALER_LEASE } from '../integrity/sealer.js';
import { encodeCursor } from '../pagination.js';
import type { AuditStore } from '../store.js';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError } from './expect-error.js';
import { declareSchemas, ORG_A, signInEvent } from './fixtures.js';

/**
 * The store with every call counted, so a case can prove a request was refused before any database
 * work. Its `open` and `close` do nothing: the context opened the store and closes it.
 */
function countingStore(store: AuditStore): { store: AuditStore; calls: string[] } {
  const calls: string[] = [];
  // A proxy rather than a copy, so that a store written as a class (methods on its prototype,
  // private fields) is counted as well as a plain object.
  const counted = new Proxy(store, {
    get(target, name) {
      const member: unknown = Reflect.get(target, name, target);
      if (typeof member !== 'function') return member;
      if (name === 'open' || name === 'close') return async () => undefined;
      return (...args: unknown[]) => {
        if (!isSealerWork(name, args)) calls.push(String(name));
        return (member as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: counted, calls };
}

/**
 * The background sealer of a sealer store (MongoDB) asks for its lease when the audit log starts
 * and on its own timer, whatever the requests: that is no work of the refused request.
 */
function isSealerWork(name: string | symbol, args: readonly unknown[]): boolean {
  if (name === 'sealEvents') return true;
  if (name === 'acquireLease') return (args[0] as { name?: unknown } | undefined)?.name === SEALER_LEASE;
  return name === 'releaseLease' && args[0] === SEALER_LEASE;
}

/** Cursors a client can forge: well-formed base64url JSON of the right kind, holding values no store can take. */
const FORGED_EVENT_CURSORS: [string, unknown][] = [
  ['a time beyond the Date range', [9e15, 'audit_log_event_01J0000000000000000000000']],
  ['a time before year 0000', [-1e14, 'audit_log_event_01J0000000000000000000000']],
  ['a fractional time', [1.5, 'audit_log_event_01J0000000000000000000000']],
  ['a NUL in the id', [1714564800000, 'audit_log_event_\u0000']],
  ['a lone surrogate in the id', [1714564800000, 'audit_log_event_\ud800']],
  ['an empty id', [1714564800000, '']],
  ['an id of 10,000 characters', [1714564800000, 'x'.repeat(10_000)]],
];

export function malformedRequestCases(context: ConformanceContext): void {
  describe('malformed cursors and out-of-range values', () => {
    const counted: AuditLog[] = [];
    // Closed before the context closes the store under them: a sealer store's audit log would
    // otherwise go on asking a closed store for its sealer lease every second.
    afterEach(async () => {
      await Promise.all(counted.splice(0).map((log) => log.close()));
    });

    async function openCounted(): Promise<{ log: AuditLog; calls: string[] }> {
      const seeded = await context.open();
      await declareSchemas(seeded);
      await seeded.createEvent(ORG_A, signInEvent());
      const { store, calls } = countingStore(context.lastStore());
      const log = await createAuditLog({ store });
      counted.push(log);
      return { log, calls };
    }

    it('rejects forged listEvents cursors with invalid_request before any database work', async () => {
      const { log, calls } = await openCounted();
      for (const [what, position] of FORGED_EVENT_CURSORS) {
        const cursor = encodeCursor('event', position);
        for (const direction of ['before', 'after'] as const) {
          const error = await expectAuditKitError(
            log.listEvents({ organizationId: ORG_A, [direction]: cursor }),
            'invalid_request',
          );
          expect(error.message, `${direction} cursor with ${what}`).toContain('Invalid cursor');
        }
      }
      expect(calls).toEqual([]);
      expect((await log.listEvents({ organizationId: ORG_A })).data).toHaveLength(1);
    });

    it('rejects forged schema and action cursors with invalid_request before any database work', async () => {
      const { log, calls } = await openCounted();
      for (const version of [2 ** 31, 2 ** 53, -1, 1.5]) {
        await expectAuditKitError(
          log.listSchemas({ action: 'user.signed_in', after: encodeCursor('schema', version) }),
          'invalid_request',
        );
        await expectAuditKitError(
          log.listSchemas({ action: 'user.signed_in', before: encodeCursor('schema', version) }),
          'invalid_request',
        );
      }
      for (const action of ['user.\u0000', '\udfff', '', 'a'.repeat(1025)]) {
        await expectAuditKitError(
          log.listActions({ after: encodeCursor('action', action) }),
          'invalid_request',
        );
        await expectAuditKitError(
          log.listActions({ before: encodeCursor('action', action) }),
          'invalid_request',
        );
      }
      expect(calls).toEqual([]);
      expect((await log.listSchemas({ action: 'user.signed_in' })).data).toHaveLength(1);
    });

    it('rejects an export id or purge time no store can hold with invalid_request before any database work', async () => {
      const { log, calls } = await openCounted();
      for (const id of ['export_\u0000', 'export_\ud800', 'x'.repeat(256)]) {
        await expectAuditKitError(log.getExport(id), 'invalid_request');
      }
      for (const now of [new Date(8.64e15), new Date(-8.64e15), new Date(Number.NaN)]) {
        await expectAuditKitError(log.purgeExpiredEvents({ now }), 'invalid_request');
      }
      expect(calls).toEqual([]);
    });
  });
}
