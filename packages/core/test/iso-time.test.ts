import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isoTime, isoTimeOf } from '../src/iso-time.js';

it('writes exactly what Date#toISOString writes, over years 0000–9999 and beyond', () => {
  const anyTime = fc.oneof(
    fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), // the storable range
    fc.integer({ min: -8.64e15, max: 8.64e15 }), // every valid Date (±YYYYYY outside 0000–9999)
    fc.constantFrom(-62_167_219_200_000, 253_402_300_799_999, 0, -1, 951_782_400_000, 4_107_542_400_000),
  );
  fc.assert(
    fc.property(anyTime, (time) => {
      const date = new Date(time);
      expect(isoTime(date)).toBe(date.toISOString());
    }),
    { numRuns: 5000 },
  );
});

it('fails on an invalid date, as toISOString does', () => {
  expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
});

it('writes every day of leap and common years, and the turn of each century, like toISOString', () => {
  for (const year of [0, 1, 4, 100, 400, 1600, 1900, 1970, 2000, 2024, 2100, 9999]) {
    for (let day = 0; day < 366; day++) {
      const date = new Date(Date.UTC(2000, 0, 1 + day, 23, 59, 59, 999));
      date.setUTCFullYear(year);
      expect(isoTime(date)).toBe(date.toISOString());
    }
  }
});

it('isoTimeOf(ms) writes what new Date(ms).toISOString() writes for any number, and fails where it fails', () => {
  const anyNumber = fc.oneof(
    fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
    fc.double({ min: -8.7e15, max: 8.7e15 }), // fractions, -0, and beyond the valid range
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 8.64e15, -8.64e15, 8.64e15 + 1, 0.5, -0.5),
  );
  fc.assert(
    fc.property(anyNumber, (time) => {
      let expected: string | undefined;
      try {
        expected = new Date(time).toISOString();
      } catch {
        expected = undefined;
      }
      if (expected === undefined) expect(() => isoTimeOf(time)).toThrow(RangeError);
      else expect(isoTimeOf(time)).toBe(expected);
    }),
    { numRuns: 5000 },
  );
});
