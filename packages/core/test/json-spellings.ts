// JSON values and the ways a database (or a person) may spell them, for property tests of code
// that must write JSON text in its \`JSON.stringify\` form (compact-json, csv-bytes).
import fc from 'fast-check';

// Strings rich in what JSON escaping is about: quotes, backslashes, control characters,
// surrogate halves, and digits (keys that are array indexes).
export const tricky = fc.string({
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
export const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));

/** How a database (or a person) may spell JSON that means the same value. */
export interface Spelling {
  spaced: boolean; // `: ` and `, ` as jsonb prints them
  reversedKeys: boolean; // another key order (jsonb sorts keys by length)
  unicodeEscapes: boolean; // \u00XX for short escapes, upper-case hex, \/ for slashes
  decimalIntegers: boolean; // 2.0 for 2, 1e1 for 10
}

export function spell(v: unknown, how: Spelling): string {
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

export const spelling = fc.record({
  spaced: fc.boolean(),
  reversedKeys: fc.boolean(),
  unicodeEscapes: fc.boolean(),
  decimalIntegers: fc.boolean(),
});
