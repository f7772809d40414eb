import fc from 'fast-check';
import { expect, it } from 'vitest';
import { storedExplicitKey } from '../src/fingerprint.js';

const DERIVED = /^content_[0-9a-f]{64}$/;
const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
/** Keys near the boundary: derived-shaped, with `:explicit` suffixes, almost derived-shaped, or anything. */
const key = fc.oneof(
  hex64.map((hex) => `content_${hex}`),
  fc.tuple(hex64, fc.nat(3)).map(([hex, n]) => `content_${hex}${':explicit'.repeat(n)}`),
  fc.tuple(hex64, fc.string({ maxLength: 3 })).map(([hex, tail]) => `content_${hex}${tail}`),
  hex64.map((hex) => `content_${hex.slice(1)}`),
  fc.string({ maxLength: 20 }),
);

it('stores no caller key as a derived key, never two caller keys alike, and other keys unchanged', () => {
  fc.assert(
    fc.property(key, key, (a, b) => {
      expect(storedExplicitKey(a)).not.toMatch(DERIVED);
      if (a !== b) expect(storedExplicitKey(a)).not.toBe(storedExplicitKey(b));
      if (!/^content_[0-9a-f]{64}(:explicit)*$/.test(a)) expect(storedExplicitKey(a)).toBe(a);
    }),
    { numRuns: 20_000 },
  );
});
