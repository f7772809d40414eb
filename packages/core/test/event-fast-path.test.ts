import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEventJson } from '../src/canonical-event.js';
import { fastMetadata, fastNormalizeEvent, lastEventTextIsPlain } from '../src/event-fast-path.js';
import { normalize } from '../src/event-intake.js';
import { createEventInputSchema } from '../src/event-model.js';
import { oversizeReason } from '../src/event-size.js';
import { DEFAULT_EVENT_LIMITS, type EventLimits } from '../src/limits.js';
import { metadataSchema } from '../src/metadata.js';

// The fast lane may only accept what zod accepts, and must then build exactly what zod's parse
// plus `normalize` build (same values, same keys in the same order). Inputs are generated near
// the boundaries: valid events with one or more fields replaced by hostile or wrong values.

const SMALL_LIMITS: EventLimits = { maxFieldLength: 6, maxTargets: 2, maxBatchSize: 10, maxEventBytes: 4096 };

class Box {
  constructor(
    readonly type = 'user',
    readonly id = 'u1',
  ) {}
}

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', '\u0000', 'a\u0000b', '\ud800', 'x\udfff', '😀', 'a'.repeat(7), 'b'.repeat(501)),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
);
const oddValue = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1.5,
    true,
    [],
    {},
    new Box(),
    Object.create(null),
    new Date(Number.NaN),
  ),
  hostileString,
  fc.integer(),
  fc.double(),
);
const metadataKey = fc.oneof(
  fc.constantFrom(
    'plan',
    'seats',
    '__proto__',
    'constructor',
    'prototype',
    'a-b_c',
    'x'.repeat(41),
    '',
    'a b',
  ),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
);
const metadataValue = fc.oneof(
  hostileString,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(-0, null, undefined, [], {}),
);
const metadata = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(metadataKey, metadataValue, { maxKeys: 5 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 49, max: 51 })
      .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  },
  { weight: 1, arbitrary: oddValue },
);
/** Usually a valid value, sometimes a hostile one. */
const mostly = <T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 6, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: hostile });
/** Drops keys whose value is the marker, so fields are sometimes absent, and sometimes adds one. */
const ABSENT = Symbol('absent');
const sometimes = (arbitrary: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 8, arbitrary }, { weight: 1, arbitrary: fc.constant(ABSENT) });
const withoutAbsent = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== ABSENT));
const goodText = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 5 });
const text = mostly(goodText, oddValue);
const goodMetadata = fc.dictionary(
  fc.constantFrom('plan', 'seats', 'a-b_c', '1', 'z'),
  fc.oneof(goodText, fc.integer(), fc.boolean(), fc.constant(-0)),
  { maxKeys: 3 },
);
const party = mostly(
  fc
    .record({
      type: sometimes(text),
      id: sometimes(text),
      name: sometimes(fc.oneof(text, fc.constant(undefined))),
      metadata: sometimes(mostly(goodMetadata, metadata)),
      extra: fc.oneof({ weight: 12, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: oddValue }),
    })
    .map(withoutAbsent),
  fc.constantFrom(new Box(), null, [], 'user'),
);
const occurredAt = mostly(
  fc.date({ min: new Date('0001-01-01'), max: new Date('9999-01-01'), noInvalidDate: true }),
  fc.oneof(
    fc.date({ noInvalidDate: false }),
    fc.constantFrom(
      '2024-02-29T10:00:00Z',
      '2023-02-29T10:00:00Z',
      '2024-05-01',
      '2024-05-01T24:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-05-01T12:00:00.123456789+02:00',
      '+010000-01-01T00:00:00Z',
      'yesterday',
      '',
    ),
    fc
      .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
    oddValue,
  ),
);
const event = fc
  .record({
    action: sometimes(text),
    occurredAt: sometimes(occurredAt),
    version: sometimes(
      mostly(
        fc.integer({ min: 1, max: 3 }),
        fc.oneof(fc.integer({ min: -2, max: 0 }), fc.constantFrom(2_147_483_647, 2_147_483_648), oddValue),
      ),
    ),
    actor: sometimes(party),
    targets: sometimes(mostly(fc.array(party, { maxLength: 3 }), oddValue)),
    context: sometimes(
      mostly(
        fc
          .record({
            location: sometimes(text),
            userAgent: sometimes(fc.oneof(text, fc.constant(undefined))),
            extra: fc.oneof(
              { weight: 12, arbitrary: fc.constant(ABSENT) },
              { weight: 1, arbitrary: oddValue },
            ),
          })
          .map(withoutAbsent),
        oddValue,
      ),
    ),
    metadata: sometimes(mostly(goodMetadata, metadata)),
    unknownField: fc.oneof(
      { weight: 12, arbitrary: fc.constant(ABSENT) },
      { weight: 1, arbitrary: oddValue },
    ),
  })
  .map(withoutAbsent);
/** Mostly valid events, so that the fast lane's acceptances are exercised too. */
const validish = fc.record(
  {
    action: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
    occurredAt: fc.date({ min: new Date('0001-01-01'), max: new Date('9999-01-01'), noInvalidDate: true }),
    version: fc.integer({ min: 1, max: 5 }),
    actor: fc.record(
      {
        type: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
        id: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
        name: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
        metadata: fc.dictionary(
          fc.constantFrom('role', 'plan', 'x', '1', '0'),
          fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()),
          { maxKeys: 3 },
        ),
      },
      { requiredKeys: ['type', 'id'] },
    ),
    targets: fc.array(
      fc.record({
        type: fc.constantFrom('team', 'doc'),
        id: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
      }),
      { maxLength: 2 },
    ),
    context: fc.record(
      { location: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }), userAgent: fc.string() },
      { requiredKeys: ['location'] },
    ),
    metadata: fc.dictionary(fc.constantFrom('seats', 'sso', 'n'), fc.oneof(fc.integer(), fc.constant(-0))),
  },
  { requiredKeys: ['action', 'occurredAt', 'actor', 'targets', 'context'] },
);

/** Deep equality that also compares key order (the stored JSON's text depends on it). */
function shapeOf(value: unknown): unknown {
  if (value instanceof Date) return { date: value.getTime() };
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]);
  return Object.is(value, -0) ? '-0' : value;
}

const schemas = new Map<EventLimits, ReturnType<typeof createEventInputSchema>>();

/** Accepted events whose strings the lane found plain / in need of escapes. */
const plainVerdicts = { plain: 0, escaped: 0 };

function checkAgainstZod(input: unknown, limits: EventLimits): boolean {
  const fast = fastNormalizeEvent(input, limits);
  if (fast === undefined) return false;
  const plain = lastEventTextIsPlain();
  plainVerdicts[plain ? 'plain' : 'escaped']++;
  let schema = schemas.get(limits);
  if (!schema) {
    schema = createEventInputSchema(limits);
    schemas.set(limits, schema);
  }
  expect(
    oversizeReason(input, limits.maxEventBytes),
    'fast lane accepted an oversized event',
  ).toBeUndefined();
  const parsed = schema.safeParse(input);
  expect(parsed.success, `fast lane accepted what zod rejects: ${String(parsed.error)}`).toBe(true);
  if (parsed.success) {
    const reference = normalize(parsed.data);
    expect(shapeOf(fast)).toEqual(shapeOf(reference));
    expect(fast).toStrictEqual(reference);
    // The lane's verdict lets the canonical writer skip its escape checks: the text must still
    // be exactly RFC 8785's.
    expect(canonicalEventJson(fast, plain)).toBe(
      canonicalize({ ...reference, occurredAt: reference.occurredAt.toISOString() }),
    );
  }
  return true;
}

describe('the event fast lane agrees with zod', () => {
  it('accepts only what zod accepts, with an equal result, on generated hostile inputs', () => {
    let accepted = 0;
    fc.assert(
      fc.property(event, fc.boolean(), (input, small) => {
        if (checkAgainstZod(input, small ? SMALL_LIMITS : DEFAULT_EVENT_LIMITS)) accepted++;
      }),
      { numRuns: 4000 },
    );
    // Both verdicts must be well represented for the comparison to mean something.
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(3800);
  });

  it('accepts valid events (the lane is used) and builds what zod builds', () => {
    let accepted = 0;
    fc.assert(
      fc.property(validish, (input) => {
        if (checkAgainstZod(input, DEFAULT_EVENT_LIMITS)) accepted++;
      }),
      { numRuns: 2000 },
    );
    // The generator's user agents may be empty or malformed; the rest must take the lane.
    expect(accepted).toBeGreaterThan(1000);
    // Both verdicts of the plain-text check are exercised (quotes, backslashes, controls, emoji).
    expect(plainVerdicts.plain).toBeGreaterThan(100);
    expect(plainVerdicts.escaped).toBeGreaterThan(100);
  });

  it('sizes events exactly as oversizeReason does: accepted up to the byte limit, refused past it', () => {
    let refusedForSize = 0;
    fc.assert(
      fc.property(validish, fc.integer({ min: 40, max: 700 }), (input, maxEventBytes) => {
        const unlimited = fastNormalizeEvent(input, DEFAULT_EVENT_LIMITS);
        if (unlimited === undefined) return;
        const fits = oversizeReason(input, maxEventBytes) === undefined;
        const limited = fastNormalizeEvent(input, { ...DEFAULT_EVENT_LIMITS, maxEventBytes });
        expect(limited !== undefined, JSON.stringify({ input, maxEventBytes })).toBe(fits);
        if (!fits) refusedForSize++;
      }),
      { numRuns: 2000 },
    );
    expect(refusedForSize).toBeGreaterThan(100);
  });

  it('leaves inherited, null-prototype, class and getter inputs to the same verdict as zod', () => {
    const base = {
      action: 'a.b',
      occurredAt: new Date('2024-01-01T00:00:00Z'),
      actor: { type: 'user', id: 'u' },
      targets: [],
      context: { location: '1.2.3.4' },
    };
    const inherited = Object.assign(Object.create({ extra: 1 }), base);
    const nullProto = Object.assign(Object.create(null), base);
    const classActor = { ...base, actor: new Box() };
    const getter = {
      ...base,
      get metadata() {
        return { plan: 'pro' };
      },
    };
    for (const input of [inherited, nullProto, classActor, getter, base])
      checkAgainstZod(input, DEFAULT_EVENT_LIMITS);
    expect(fastNormalizeEvent(base, DEFAULT_EVENT_LIMITS)).toBeDefined();
    // A polluted Object.prototype: metadata keys are walked with for…in, which sees inherited keys.
    const withMetadata = {
      ...base,
      metadata: { plan: 'pro' },
      actor: { type: 'u', id: 'u', metadata: { a: 1 } },
    };
    Object.defineProperty(Object.prototype, 'polluted', {
      value: 'x',
      enumerable: true,
      configurable: true,
      writable: true,
    });
    try {
      checkAgainstZod(withMetadata, DEFAULT_EVENT_LIMITS);
      expect(fastMetadata({ plan: 'pro' })).toBeUndefined();
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
    expect(fastMetadata({ plan: 'pro' })).toEqual({ plan: 'pro' });
  });

  it('copies metadata exactly as metadataSchema does, or defers', () => {
    fc.assert(
      fc.property(metadata, (input) => {
        const fast = fastMetadata(input);
        if (fast === undefined) return;
        const parsed = metadataSchema.safeParse(input);
        expect(parsed.success).toBe(true);
        if (parsed.success) expect(shapeOf(fast)).toEqual(shapeOf(parsed.data));
      }),
      { numRuns: 3000 },
    );
  });
});
