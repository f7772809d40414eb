import fc from 'fast-check';
import { expect, it } from 'vitest';
import { compactJson } from '../src/compact-json.js';

const reference = (text: string) => JSON.stringify(JSON.parse(text));

// Strings rich in what JSON escaping is about: quotes, backslashes, control characters,
// surrogate halves, and digits (keys that are array indexes).
const tricky = fc.string({
  unit: fc.constantFrom(
    '"',
    '\\',
    '\n',
    '\u0001',
    '\u001f',
    '\b',
    '\t',
    '\f',
    '\r',
    '\u007f',
    '\ud83d',
    '\ude00',
    '/',
    'a',
    '0',
    '1',
    ' ',
    'é',
  ),
});
const key = fc.oneof(
  fc.string(),
  tricky,
  fc.constantFrom('0', '1', '10', '4294967294', '4294967295', '01', '-1', '__proto__'),
);
const scalar = fc.oneof(
  fc.string({ unit: 'binary' }),
  tricky,
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));

/** How a database (or a person) may spell JSON that means the same value. */
interface Spelling {
  spaced: boolean; // `: ` and `, ` as jsonb prints them
  reversedKeys: boolean; // another key order (jsonb sorts keys by length)
  unicodeEscapes: boolean; // \u00XX for short escapes, upper-case hex, \/ for slashes
  decimalIntegers: boolean; // 2.0 for 2, 1e1 for 10
}

function spell(v: unknown, how: Spelling): string {
  const comma = how.spaced ? ', ' : ',';
  const colon = how.spaced ? ': ' : ':';
  if (typeof v === 'string') {
    const text = JSON.stringify(v);
    if (!how.unicodeEscapes) return text;
    return text
      .replace(
        /\\([bfnrt])/g,
        (_, c: string) =>
          `\\u00${({ b: '08', f: '0C', n: '0a', r: '0D', t: '09' } as Record<string, string>)[c]}`,
      )
      .replace(/\//g, '\\/')
      .replace(/A/g, '\\u0041')
      .replace(/\\u00([0-9a-f]{2})/g, (_, hex: string) => `\\u00${hex.toUpperCase()}`);
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && how.decimalIntegers)
    return v % 10 === 0 && v !== 0 ? `${v / 10}e1` : `${v}.0`;
  if (Array.isArray(v)) return `[${v.map((item) => spell(item, how)).join(comma)}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    if (how.reversedKeys) entries.reverse();
    return `{${entries.map(([k, item]) => `${spell(k, how)}${colon}${spell(item, how)}`).join(comma)}}`;
  }
  return JSON.stringify(v);
}

const spelling = fc.record({
  spaced: fc.boolean(),
  reversedKeys: fc.boolean(),
  unicodeEscapes: fc.boolean(),
  decimalIntegers: fc.boolean(),
});

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
