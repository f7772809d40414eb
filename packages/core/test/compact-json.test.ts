import fc from 'fast-check';
import { expect, it } from 'vitest';
import { compactJson } from '../src/compact-json.js';
import { spell, spelling, value } from './json-spellings.js';

const reference = (text: string) => JSON.stringify(JSON.parse(text));

it('equals JSON.stringify(JSON.parse(text)) for any value in any spelling', () => {
  fc.assert(
    fc.property(value, spelling, (v, how) => {
      const text = spell(v, how);
      expect(compactJson(text)).toBe(reference(text));
    }),
    { numRuns: 10_000 },
  );
});

it('equals the reference for numbers in every notation and for hand-written edge cases', () => {
  const cases = [
    '{"a": 1.0}',
    '{"b": 1e3}',
    '{"c": -0}',
    '{"d": 123456789012345678}',
    '[9007199254740993]',
    '{"e": 0.1, "f": 1E2, "g": -12}',
    '{"b": 1, "1": 2}',
    '{"a": 1, "a": 2}',
    '{"x": "\\u001f\\u0008\\u00e9\\uD83D\\uDE00\\ud800"}',
    '[1, 2, [3, {"a": [true, false, null]}]]',
    '  {"a" :  "b"  }  ',
    '"just a string"',
    '42',
    '{}',
    '[]',
    '{"__proto__": {"a": 1}}',
    // Raw surrogates (a JavaScript string may hold them; UTF-8 from a database cannot).
    '"\ude00\ude00"',
    '"\ud83d\ude00"',
    '"\ud83d"',
    '{"a": "\\u00ZZ"}',
  ];
  for (const text of cases) {
    let expected: string | Error;
    try {
      expected = reference(text);
    } catch (error) {
      expected = error as Error;
    }
    if (expected instanceof Error) expect(() => compactJson(text)).toThrow(SyntaxError);
    else expect(compactJson(text), text).toBe(expected);
  }
});

it('throws as JSON.parse does for text that is not JSON, never returning a guess', () => {
  const broken = fc.oneof(
    fc.string(),
    fc.constantFrom(
      '{"a" 1}',
      '[1,,2]',
      '{"a":tru}',
      '{"a":1,}',
      '[1 2]',
      '{"a":1}}',
      '{"a":1',
      '01',
      '-',
      '1.',
      '{a:1}',
      '"\n"',
      'truex',
      '[] []',
    ),
  );
  fc.assert(
    fc.property(broken, (text) => {
      let expected: string | undefined;
      try {
        expected = reference(text);
      } catch {
        expected = undefined;
      }
      if (expected === undefined) expect(() => compactJson(text)).toThrow(SyntaxError);
      else expect(compactJson(text)).toBe(expected);
    }),
    { numRuns: 5000 },
  );
});
