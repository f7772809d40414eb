import fc from 'fast-check';
import { monotonicFactory } from 'ulid';
import { expect, it } from 'vitest';
import { monotonicUlidFactory } from '../src/monotonic-ulid.js';

/** A deterministic `[0, 1)` source; `high` draws near 1 so the random part reaches all Z's. */
function seededRandom(seed: number, high: boolean): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const unit = (state >>> 0) / 2 ** 32;
    return high ? 0.999 + unit * 0.000_999 : unit;
  };
}

/** The id, or the fact that it threw (messages differ; both refuse the same inputs). */
function attempt(next: (time?: number) => string, time: number | undefined): string {
  try {
    return next(time);
  } catch {
    return 'threw';
  }
}

const base = 1_700_000_000_000;
/** Times as the write path passes them (mostly equal or rising), plus earlier, 0, NaN, invalid. */
const seedTime = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }).map((step) => base + step) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 ** 48 - 1 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(undefined, 0, Number.NaN, -5, 2 ** 48, 2 ** 48 - 1, base + 0.5),
  },
);

it('makes exactly the ids ulid monotonicFactory makes from the same random source', () => {
  fc.assert(
    fc.property(
      fc.integer(),
      fc.boolean(),
      fc.array(seedTime, { minLength: 1, maxLength: 300 }),
      (seed, high, times) => {
        const ours = monotonicUlidFactory(seededRandom(seed, high));
        const reference = monotonicFactory(seededRandom(seed, high));
        for (const time of times) {
          // undefined, 0 and NaN read the clock, which both would read at different instants.
          if (time === undefined || time === 0 || Number.isNaN(time)) continue;
          const id = attempt(ours, time);
          expect(id).toBe(attempt(reference, time));
          // A refused time leaves ulid's state holding it (every later id throws); ours keeps
          // its last valid state. Compare only up to there.
          if (id === 'threw') return;
        }
      },
    ),
    { numRuns: 1000 },
  );
});

it('carries increments across every random digit and refuses to pass the largest id', () => {
  // A source at its maximum draws all Z's: the next id in that millisecond has nowhere to go.
  const ours = monotonicUlidFactory(() => 0.999_999_999);
  const reference = monotonicFactory(() => 0.999_999_999);
  expect(ours(base)).toBe(reference(base));
  expect(() => reference(base)).toThrow();
  expect(() => ours(base)).toThrow();
  // Long runs of increments in one millisecond (carries into the cached head).
  const fromZero = monotonicUlidFactory(() => 0);
  const referenceFromZero = monotonicFactory(() => 0);
  for (let i = 0; i < 40_000; i++) expect(fromZero(base)).toBe(referenceFromZero(base));
});

it('reads the clock for no time, 0 or NaN, as ulid does', () => {
  const ours = monotonicUlidFactory(Math.random);
  const before = Date.now();
  for (const time of [undefined, 0, Number.NaN]) {
    const id = ours(time);
    const decoded = [...id.slice(0, 10)].reduce(
      (sum, char) => sum * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(char),
      0,
    );
    expect(decoded).toBeGreaterThanOrEqual(before);
  }
});
