// `JSON.stringify(JSON.parse(text))` for the JSON text a database returns for a JSON column, in
// one pass over the characters. An export writes three JSON columns per event, and parsing each
// into objects only to write them back profiled at a quarter of a Postgres CSV export's CPU.
// PostgreSQL prints `jsonb` with a space after each `:` and `,`; dropping whitespace outside
// strings is all most values need. Anything the re-serialisation could change is handed to
// `JSON.parse` + `JSON.stringify` instead: numbers other than small integers, escapes other than
// the ones `JSON.stringify` writes, lone surrogates, keys that are array indexes (V8 puts them
// first) and repeated keys (the last one wins). A property test (test/compact-json.test.ts)
// checks the result equals the reference for any JSON text.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const LITERALS = ['true', 'false', 'null'] as const;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_U = 0x75;
/** Integers of up to 15 digits are exact doubles, so `JSON.stringify` writes them unchanged. */
const MAX_EXACT_DIGITS = 15;

/** JSON's insignificant whitespace: space, line feed, carriage return, tab. */
export function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/** `JSON.stringify` writes these after a backslash itself: `"`, `\`, b, f, n, r, t. */
function isShortEscape(code: number): boolean {
  return (
    code === QUOTE ||
    code === BACKSLASH ||
    code === 0x62 ||
    code === 0x66 ||
    code === 0x6e ||
    code === 0x72 ||
    code === 0x74
  );
}

/** Lowercase hex digit value, or -1 (`JSON.stringify` writes `\u` escapes in lowercase). */
function lowerHex(code: number): number {
  if (isDigit(code)) return code - DIGIT_0;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}

/**
 * The end of the string starting at `start` (the index after its closing quote) when
 * `JSON.stringify` would write it unchanged, else -1.
 */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) return i + 1;
    if (code < 0x20) return -1; // invalid raw, left to JSON.parse
    if (code === BACKSLASH) {
      const next = text.charCodeAt(i + 1);
      if (isShortEscape(next)) {
        i += 1;
        continue;
      }
      // \u00XX for a control character without a short escape: what JSON.stringify writes.
      if (next !== LOWER_U || text.charCodeAt(i + 2) !== DIGIT_0 || text.charCodeAt(i + 3) !== DIGIT_0)
        return -1;
      const high = lowerHex(text.charCodeAt(i + 4));
      const low = lowerHex(text.charCodeAt(i + 5));
      const value = high * 16 + low;
      if (high < 0 || low < 0 || value >= 0x20) return -1;
      if (value === 0x08 || value === 0x09 || value === 0x0a || value === 0x0c || value === 0x0d) return -1;
      i += 5;
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      // A surrogate pair is written as it is; a lone one would be escaped.
      const next = text.charCodeAt(i + 1);
      if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return -1;
      i += 1;
    }
  }
  return -1;
}

/** The end of the number starting at `start` when it is a small integer written plainly, else -1. */
function integerEnd(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === MINUS) i += 1;
  const firstDigit = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i += 1;
  const digits = i - firstDigit;
  if (digits === 0 || digits > MAX_EXACT_DIGITS) return -1;
  // A leading zero is only valid alone, and -0 is written as 0.
  if (text.charCodeAt(firstDigit) === DIGIT_0 && (digits > 1 || firstDigit > start)) return -1;
  const next = text.charCodeAt(i);
  if (next === 0x2e || next === 0x65 || next === 0x45) return -1; // fraction or exponent
  return i;
}

/** True when a key (its text between the quotes) is an array index, which V8 orders first. */
function isIndexKey(text: string, start: number, end: number): boolean {
  if (!isDigit(text.charCodeAt(start))) return false; // most keys: nothing cut out, no regular expression
  const key = text.slice(start, end);
  return key.length <= 10 && /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 4_294_967_295;
}

/**
 * True when the key at [start, end) of `text` is spelled as one of `keys` (offset pairs) from
 * index `first` to `count`. Compares the spelling: two spellings of one key (an escape) are not caught
 * here, but `stringEnd` accepts only the escapes `JSON.stringify` writes, one per character.
 */
function hasKey(
  text: string,
  keys: readonly number[],
  first: number,
  count: number,
  start: number,
  end: number,
): boolean {
  const length = end - start;
  for (let k = first; k < count; k += 2) {
    const otherStart = keys[k] as number;
    if ((keys[k + 1] as number) - otherStart !== length) continue;
    let same = true;
    for (let j = 0; j < length; j++) {
      if (text.charCodeAt(start + j) !== text.charCodeAt(otherStart + j)) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}

/**
 * `JSON.stringify(JSON.parse(text))`, without building the value when the text is already in
 * that form but for whitespace (as `jsonb` prints it). Throws as `JSON.parse` does on bad JSON.
 *
 * @example
 * ```ts
 * compactJson('{"ip": "203.0.113.9", "tags": [1, 2]}'); // '{"ip":"203.0.113.9","tags":[1,2]}'
 * ```
 */
export function compactJson(text: string): string {
  return isCompactForm(text) ? withoutJsonWhitespace(text) : JSON.stringify(JSON.parse(text));
}

/**
 * `text` without the whitespace outside its strings. Only for text {@link isCompactForm}
 * accepted: it relies on the strings being well-formed.
 */
function withoutJsonWhitespace(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i += 1;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (isJsonWhitespace(code)) {
      out += text.slice(from, i);
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/** What the scanner accepts next. */
const Next = {
  Value: 0,
  ValueOrClose: 1,
  KeyOrClose: 2,
  Key: 3,
  Colon: 4,
  CommaOrClose: 5,
  End: 6,
} as const;
type Next = (typeof Next)[keyof typeof Next];

/**
 * True when `text` is well-formed JSON that `JSON.stringify(JSON.parse(text))` writes back
 * unchanged but for the whitespace outside its strings; false when it is not (malformed text
 * included: `JSON.parse` then words the error). Writers of the compact form (here and the CSV
 * byte writer) drop that whitespace only after this says so.
 */
export function isCompactForm(text: string): boolean {
  // Each open container: for an object, where its keys start in `keys` (to find a repeated one,
  // by a scan: objects in audit events are small, and a Set per object cost more); -1 for an array.
  const open: number[] = [];
  // Keys as [start, end) offsets into `text`, two numbers each: no string is cut out per key.
  // `keyCount` is how many of its numbers are in use: closing an object drops its keys by moving
  // it back, not by truncating the array.
  const keys: number[] = [];
  let keyCount = 0;
  let next: Next = Next.Value;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isJsonWhitespace(code)) {
      i += 1;
      continue;
    }
    switch (next) {
      case Next.Value:
      case Next.ValueOrClose: {
        if (code === CLOSE_BRACKET && next === Next.ValueOrClose) {
          open.pop();
          i += 1;
          next = open.length === 0 ? Next.End : Next.CommaOrClose;
          break;
        }
        if (code === OPEN_BRACE) {
          open.push(keyCount);
          i += 1;
          next = Next.KeyOrClose;
          break;
        }
        if (code === OPEN_BRACKET) {
          open.push(-1);
          i += 1;
          next = Next.ValueOrClose;
          break;
        }
        const end =
          code === QUOTE
            ? stringEnd(text, i)
            : code === MINUS || isDigit(code)
              ? integerEnd(text, i)
              : literalEnd(text, i);
        if (end < 0) return false;
        i = end;
        next = open.length === 0 ? Next.End : Next.CommaOrClose;
        break;
      }
      case Next.KeyOrClose:
      case Next.Key: {
        if (code === CLOSE_BRACE && next === Next.KeyOrClose) {
          open.pop(); // an empty object: no keys to drop
          i += 1;
          next = open.length === 0 ? Next.End : Next.CommaOrClose;
          break;
        }
        if (code !== QUOTE) return false;
        const end = stringEnd(text, i);
        if (end < 0) return false;
        const first = open[open.length - 1] as number;
        if (isIndexKey(text, i + 1, end - 1) || hasKey(text, keys, first, keyCount, i + 1, end - 1))
          return false;
        keys[keyCount++] = i + 1;
        keys[keyCount++] = end - 1;
        i = end;
        next = Next.Colon;
        break;
      }
      case Next.Colon:
        if (code !== COLON) return false;
        i += 1;
        next = Next.Value;
        break;
      case Next.CommaOrClose: {
        const inObject = (open[open.length - 1] as number) >= 0;
        if (code === COMMA) next = inObject ? Next.Key : Next.Value;
        else if (code === (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
          const first = open.pop() as number;
          if (first >= 0) keyCount = first;
          next = open.length === 0 ? Next.End : Next.CommaOrClose;
        } else return false;
        i += 1;
        break;
      }
      case Next.End:
        return false;
    }
  }
  return next === Next.End;
}

/** The end of `true`, `false` or `null` starting at `start`, else -1. */
function literalEnd(text: string, start: number): number {
  for (const literal of LITERALS) if (text.startsWith(literal, start)) return start + literal.length;
  return -1;
}
