// CSV cells written as UTF-8 bytes into one reused buffer, decoded to a string once per page.
// Building a page as a string costs a rope of ~30 pieces per row, flattened and encoded again
// when it is written out, and JSON columns compacted into ropes of their own: together over
// half of a Postgres COPY export's CPU. Here each character is copied once, quotes doubled and
// JSON whitespace dropped on the way. The rules are the ones `csvLine` and `compactJson` apply
// (formula cells neutralised, RFC 4180 quoting, JSON in its `JSON.stringify` form); a property
// test (test/csv-bytes.test.ts) checks the output equals theirs for any cells.

import { compactJson, isCompactForm, isJsonWhitespace } from './compact-json.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const APOSTROPHE = 0x27;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BACKSLASH = 0x5c;
/** Pages start at this size and the buffer doubles as needed; it is kept for the next page... */
const INITIAL_BYTES = 1 << 16;
/** ...unless a page made it larger than this: one huge page does not pin its memory for good. */
const KEPT_BYTES = 1 << 22;

/**
 * True for a first character a spreadsheet evaluates as a formula. OWASP: `=`, `+`, `-`, `@`, tab
 * or carriage return. A character code test, not a regular expression: it runs for every cell.
 */
export function startsFormula(code: number): boolean {
  return code === 0x3d || code === 0x2b || code === 0x2d || code === 0x40 || code === 0x09 || code === 0x0d;
}

/** What a copy returns instead of its end: the cell needs quotes (copied unquoted). */
const NEEDS_QUOTES = -1;
/** What a copy returns instead of its end: the cell holds a lone surrogate, which UTF-8 cannot carry. */
const NOT_UTF8 = -2;

/**
 * Writes the UTF-8 bytes of a character at or above U+0080 (`code`, with `next` the following
 * unit for a surrogate pair) from `n`: the end, or NOT_UTF8 for a lone surrogate.
 */
function writeNonAscii(bytes: Uint8Array, n: number, code: number, next: number): number {
  if (code < 0x800) {
    bytes[n] = 0xc0 | (code >> 6);
    bytes[n + 1] = 0x80 | (code & 0x3f);
    return n + 2;
  }
  if (code < 0xd800 || code > 0xdfff) {
    bytes[n] = 0xe0 | (code >> 12);
    bytes[n + 1] = 0x80 | ((code >> 6) & 0x3f);
    bytes[n + 2] = 0x80 | (code & 0x3f);
    return n + 3;
  }
  if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return NOT_UTF8;
  const point = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
  bytes[n] = 0xf0 | (point >> 18);
  bytes[n + 1] = 0x80 | ((point >> 12) & 0x3f);
  bytes[n + 2] = 0x80 | ((point >> 6) & 0x3f);
  bytes[n + 3] = 0x80 | (point & 0x3f);
  return n + 4;
}

/**
 * Copies `text` as one cell from byte `n`: its end, or NEEDS_QUOTES (unquoted, at the first
 * character that needs quotes: the caller copies again, quoted; one pass for most cells) or
 * NOT_UTF8.
 */
function copyText(bytes: Uint8Array, n: number, text: string, quoted: boolean): number {
  if (quoted) bytes[n++] = QUOTE;
  if (startsFormula(text.charCodeAt(0))) bytes[n++] = APOSTROPHE;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      if (code === QUOTE || code === COMMA || code === LINE_FEED || code === CARRIAGE_RETURN) {
        if (!quoted) return NEEDS_QUOTES;
        if (code === QUOTE) bytes[n++] = QUOTE;
      }
      bytes[n++] = code;
    } else {
      n = writeNonAscii(bytes, n, code, text.charCodeAt(i + 1));
      if (n === NOT_UTF8) return NOT_UTF8;
      if (code >= 0xd800 && code <= 0xdbff) i += 1; // the pair's second half, written with the first
    }
  }
  if (quoted) bytes[n++] = QUOTE;
  return n;
}

/**
 * {@link copyText} for JSON text that `isCompactForm` accepted, dropping the whitespace outside
 * its strings. Its strings are well-formed: a backslash escapes one ASCII character.
 */
function copyJson(bytes: Uint8Array, n: number, text: string, quoted: boolean): number {
  if (quoted) bytes[n++] = QUOTE;
  let i = 0;
  while (i < text.length && isJsonWhitespace(text.charCodeAt(i))) i++;
  if (startsFormula(text.charCodeAt(i))) bytes[n++] = APOSTROPHE;
  let inString = false;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      if (inString) {
        if (code === BACKSLASH) {
          // The escaped character: a quote is still doubled, and does not end the string.
          bytes[n++] = BACKSLASH;
          i += 1;
          const escaped = text.charCodeAt(i);
          if (escaped === QUOTE) {
            if (!quoted) return NEEDS_QUOTES;
            bytes[n++] = QUOTE;
          }
          bytes[n++] = escaped;
          continue;
        }
        if (code === QUOTE) inString = false;
      } else if (code === QUOTE) inString = true;
      else if (isJsonWhitespace(code)) continue;
      if (code === QUOTE || code === COMMA) {
        // Line breaks cannot occur: outside strings they are whitespace, inside they are escaped.
        if (!quoted) return NEEDS_QUOTES;
        if (code === QUOTE) bytes[n++] = QUOTE;
      }
      bytes[n++] = code;
    } else {
      n = writeNonAscii(bytes, n, code, text.charCodeAt(i + 1));
      if (n === NOT_UTF8) return NOT_UTF8;
      if (code >= 0xd800 && code <= 0xdbff) i += 1;
    }
  }
  if (quoted) bytes[n++] = QUOTE;
  return n;
}

/**
 * Writes CSV rows as UTF-8. One instance serves every page (calls are synchronous, so pages
 * never interleave): `start`, cells and separators, then `text` or, when a cell could not be
 * written as UTF-8, `undefined` (the caller writes that page as a string instead).
 */
export class CsvBytes {
  #bytes: Uint8Array = new Uint8Array(INITIAL_BYTES);
  #length = 0;
  #failed = false;
  readonly #decoder = new TextDecoder();

  /** Starts a page. */
  start(): void {
    if (this.#bytes.length > KEPT_BYTES) this.#bytes = new Uint8Array(INITIAL_BYTES);
    this.#length = 0;
    this.#failed = false;
  }

  /** The page's text, or `undefined` when a cell held a lone surrogate. */
  text(): string | undefined {
    return this.#failed ? undefined : this.#decoder.decode(this.#bytes.subarray(0, this.#length));
  }

  /** The `,` between two cells. */
  separator(): void {
    this.#ensure(1);
    this.#bytes[this.#length++] = COMMA;
  }

  /** The CRLF that ends a row. */
  lineEnd(): void {
    this.#ensure(2);
    this.#bytes[this.#length++] = CARRIAGE_RETURN;
    this.#bytes[this.#length++] = LINE_FEED;
  }

  /** One cell: `csvLine`'s rules for a cell holding `text`. */
  cell(text: string): void {
    this.#write(text, false);
  }

  /**
   * One cell holding JSON text: what `cell(compactJson(text))` writes. Text in compact form but
   * for whitespace is copied without it; anything else goes through `compactJson`.
   */
  jsonCell(text: string): void {
    if (isCompactForm(text)) this.#write(text, true);
    else this.#write(compactJson(text), false);
  }

  #write(text: string, json: boolean): void {
    if (this.#failed) return;
    // Worst case: 3 bytes per UTF-16 unit (a pair is 4 bytes for 2), doubled quotes, the
    // enclosing quotes and a formula apostrophe.
    this.#ensure(text.length * 3 + 3);
    const copy = json ? copyJson : copyText;
    let end = copy(this.#bytes, this.#length, text, false);
    if (end === NEEDS_QUOTES) end = copy(this.#bytes, this.#length, text, true);
    if (end === NOT_UTF8) this.#failed = true;
    else this.#length = end;
  }

  #ensure(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < this.#length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}
