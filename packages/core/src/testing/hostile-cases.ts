import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuditKitError } from '../errors.js';
import type { CreateAuditLogEventInput } from '../event-model.js';
import type { ConformanceContext } from './context.js';
import { countEvents, declareSchemas, ORG_A, signInEvent } from './fixtures.js';

/** How many malformed events each store sees per run; raise it for soak runs. */
const HOSTILE_RUNS = Number(process.env.AUDITKIT_FUZZ_RUNS ?? 10_000);
const VALID_RUNS = Number(process.env.AUDITKIT_FUZZ_VALID_RUNS ?? 150);

const badScalar = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(Number.NEGATIVE_INFINITY),
  fc.constant(''),
  fc.constant('\u0000'),
  fc.constant('ok\u0000nul'),
  fc.constant('\uD800'),
  fc.constant('lone \uDC00 surrogate'),
  fc.constant('x'.repeat(200_000)),
  fc.constant(new Date(Number.NaN)),
  fc.constant([]),
  fc.constant({}),
  fc.constant(Symbol('s')),
  fc.constant(() => 1),
  fc.bigInt(),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}}')),
  fc.constant({ constructor: { prototype: { polluted: true } } }),
  fc.constant({ $gt: '' }),
  fc.constant(Array.from({ length: 40 }).reduce<unknown>((inner) => ({ nested: inner }), 'deep')),
);

/** Paths of the example event that any of the bad values above must break. */
const REQUIRED_PATHS = [
  ['action'],
  ['occurredAt'],
  ['actor'],
  ['actor', 'type'],
  ['actor', 'id'],
  ['targets'],
  ['targets', 0],
  ['targets', 0, 'type'],
  ['targets', 0, 'id'],
  ['context'],
  ['context', 'location'],
] as const;
const OPTIONAL_PATHS = [
  ['version'],
  ['actor', 'name'],
  ['actor', 'metadata'],
  ['targets', 0, 'name'],
  ['targets', 0, 'metadata'],
  ['context', 'userAgent'],
  ['metadata'],
] as const;

/** The few bad-looking values that are legal where they land: no targets, empty metadata. */
function isStillValid(path: readonly (string | number)[], value: unknown): boolean {
  const last = path.at(-1);
  const empty = (node: unknown, kind: 'array' | 'object') =>
    typeof node === 'object' &&
    node !== null &&
    Object.keys(node).length === 0 &&
    Array.isArray(node) === (kind === 'array');
  return (last === 'targets' && empty(value, 'array')) || (last === 'metadata' && empty(value, 'object'));
}

function withValueAt(path: readonly (string | number)[], value: unknown): unknown {
  const event = structuredClone(signInEvent({ metadata: { plan: 'pro' } })) as unknown as Record<
    string,
    unknown
  >;
  let node = event as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return event;
}

/** A bad value at a required path, or a bad (non-absent) value at an optional one. */
const malformedEvent = fc.oneof(
  fc
    .tuple(fc.constantFrom(...REQUIRED_PATHS), badScalar)
    .filter(([path, value]) => !isStillValid(path, value))
    .map(([path, value]) => withValueAt(path, value)),
  fc
    .tuple(fc.constantFrom(...OPTIONAL_PATHS), badScalar)
    .filter(([path, value]) => value !== undefined && !isStillValid(path, value))
    .map(([path, value]) => withValueAt(path, value)),
  fc
    .tuple(
      fc.constantFrom('metadata', 'actorMetadata'),
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'bad key', 'k'.repeat(41)),
    )
    .map(([slot, key]) => {
      const metadata = JSON.parse(`{${JSON.stringify(key)}: "v"}`) as Record<string, string>;
      return slot === 'metadata'
        ? signInEvent({ metadata })
        : signInEvent({ actor: { type: 'user', id: 'u1', metadata } });
    }),
  fc.constantFrom(null, undefined, 42, 'event', [], new Date()),
);

const safeText = fc
  .string({ minLength: 1, maxLength: 40 })
  .filter((value) => value.isWellFormed() && !value.includes('\u0000'));
const metadata = fc.dictionary(
  fc
    .stringMatching(/^[a-zA-Z0-9_-]{1,40}$/)
    .filter((key) => !['__proto__', 'constructor', 'prototype'].includes(key)),
  fc.oneof(safeText, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()),
  { maxKeys: 5 },
);
const validEvent: fc.Arbitrary<CreateAuditLogEventInput> = fc.record(
  {
    action: fc.constant('user.signed_in'),
    occurredAt: fc.date({
      min: new Date('1990-01-01T00:00:00Z'),
      max: new Date('2090-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    actor: fc.record(
      { type: safeText, id: safeText, name: safeText, metadata },
      { requiredKeys: ['type', 'id'] },
    ),
    targets: fc.array(
      fc.record(
        { type: fc.constantFrom('team', 'user'), id: safeText, name: safeText, metadata },
        { requiredKeys: ['type', 'id'] },
      ),
      {
        maxLength: 3,
      },
    ),
    context: fc.record({ location: safeText, userAgent: safeText }, { requiredKeys: ['location'] }),
    metadata,
  },
  { requiredKeys: ['action', 'occurredAt', 'actor', 'targets', 'context'] },
);

export function hostileCases(context: ConformanceContext): void {
  describe('hostile input', () => {
    it(`rejects ${HOSTILE_RUNS} generated malformed events with an AuditKitError naming the path, storing nothing`, async () => {
      const log = await context.open();
      await declareSchemas(log);
      await fc.assert(
        fc.asyncProperty(malformedEvent, async (event) => {
          const error = await log.createEvent(ORG_A, event as CreateAuditLogEventInput).then(
            () => undefined,
            (reason: unknown) => reason,
          );
          expect(error).toBeInstanceOf(AuditKitError);
          const { code, errors } = error as AuditKitError;
          expect(code).toBe('invalid_audit_log_event');
          expect(errors.length).toBeGreaterThan(0);
          for (const detail of errors) expect(typeof detail.path).toBe('string');
        }),
        { numRuns: HOSTILE_RUNS },
      );
      expect(await countEvents(log, ORG_A)).toBe(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('rejects an event over maxEventBytes before validating it', async () => {
      const log = await context.open({ limits: { maxEventBytes: 2048 } });
      await declareSchemas(log);
      const error = await log
        .createEvent(
          ORG_A,
          signInEvent({
            metadata: { a: 'x'.repeat(500), b: 'y'.repeat(500), c: 'z'.repeat(500), d: 'w'.repeat(500) },
          }),
        )
        .catch((reason: unknown) => reason);
      expect(error).toMatchObject({
        code: 'invalid_audit_log_event',
        message: expect.stringMatching(/maxEventBytes/),
      });
      expect(await countEvents(log, ORG_A)).toBe(0);
    });

    it(`accepts ${VALID_RUNS} generated valid events and reads each back equal`, async () => {
      const log = await context.open();
      await declareSchemas(log);
      await fc.assert(
        fc.asyncProperty(validEvent, async (event) => {
          const created = await log.createEvent(ORG_A, event);
          const { replayed: _replayed, ...stored } = created;
          const page = await log.listEvents({
            organizationId: ORG_A,
            rangeStart: created.occurredAt,
            rangeEnd: new Date(created.occurredAt.getTime() + 1),
            limit: 100,
          });
          expect(page.data.find((candidate) => candidate.id === created.id)).toEqual(stored);
          // JSON has no -0, so AuditKit stores (and returns) 0: compare against the input the same way.
          const expected = JSON.parse(JSON.stringify(event), (_key, value) =>
            Object.is(value, -0) ? 0 : value,
          );
          expect(stored).toMatchObject({ ...expected, occurredAt: new Date(event.occurredAt) });
        }),
        { numRuns: VALID_RUNS },
      );
    });
  });
}
