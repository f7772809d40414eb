import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, PATTERN_LIMITS } from '../src/metadata-patterns.js';

/** Patterns of the kind metadata schemas use, each meaning the same in ECMAScript and RE2. */
const PATTERNS = [
  '^[A-Z]{2}-\\d{4}$',
  '^(a+)+$',
  '\\d{3}',
  '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$',
  '^(?:foo|bar)(?:-[0-9]+)?$',
  '^\\p{L}[\\p{L}\\p{N} ]*$',
  'é+',
  '^\\u00e9?x',
  '^(?<year>\\d{4})-(?<month>\\d{2})$',
  '^\\w+\\s\\w+$',
  '^.{2,5}$',
  '[^a-c]',
];

const ALPHABET = [
  'a',
  'b',
  'c',
  'f',
  'o',
  'r',
  'x',
  'A',
  'Z',
  '0',
  '1',
  '9',
  '-',
  '.',
  '@',
  ' ',
  'é',
  '\n',
  '_',
  '%',
];

describe('metadata patterns on RE2', () => {
  it('answer like a JavaScript RegExp with the u flag on 2,000 generated values per pattern', () => {
    for (const pattern of PATTERNS) {
      const compiled = compilePattern(pattern);
      if (typeof compiled === 'string') throw new Error(`${pattern}: ${compiled}`);
      const native = new RegExp(pattern, 'u');
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 12 }), (chars) => {
          const value = chars.join('');
          expect(compiled.test(value), `${pattern} on ${JSON.stringify(value)}`).toBe(native.test(value));
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('refuse backreferences, lookaround, long patterns and huge programs with a reason', () => {
    expect(compilePattern('^(a)\\1$')).toMatch(/linear time/);
    expect(compilePattern('a(?=b)')).toMatch(/linear time/);
    expect(compilePattern('x'.repeat(PATTERN_LIMITS.maxPatternLength + 1))).toMatch(
      /at most 1000 characters/,
    );
    expect(compilePattern('[a-z]{1000}x{500}')).toMatch(/too complex/);
  });
});
