import { RE2JS } from 're2js';

/**
 * Limits on metadata `pattern`s. A JavaScript `RegExp` backtracks: `^(a+)+$` against 30 `a`s and
 * a `!` takes seconds, and one such event would block every organization's requests. Patterns run
 * on RE2 (re2js, a maintained pure-JavaScript port), whose time is linear in the value's length
 * times the compiled program's size; both are bounded, so validation cost is too.
 */
export const PATTERN_LIMITS = {
  /** Longest `pattern` text accepted by `createSchema`. */
  maxPatternLength: 1000,
  /**
   * Largest compiled RE2 program (instructions). `^[A-Z]{2}-\d{4}$` is about 15, `a{1000}`
   * alone 1,000; so one 500-character value under the largest pattern fits the event budget.
   */
  maxProgramSize: 1000,
  /**
   * Most pattern work one event may need: the sum, over every metadata value checked against a
   * pattern, of the value's length times the pattern's program size. 1,000,000 is, e.g., 100
   * targets each with a 500-character value under a 20-instruction pattern. Measured on this
   * project's 2-core machine, re2js needed at most about 65 ms for 1,000,000 units of distinct
   * values on its slowest patterns. An event over the budget is refused without running any
   * pattern.
   */
  maxWorkPerEvent: 1_000_000,
} as const;

/** A pattern compiled for linear-time matching, with the size its matching cost scales with. */
export interface CompiledPattern {
  readonly source: string;
  readonly programSize: number;
  /** JSON Schema semantics: true when the pattern matches anywhere in the value (not anchored). */
  test(value: string): boolean;
}

/**
 * Compiles an ECMAScript `pattern` (as JSON Schema writes it) for RE2, or returns why it cannot
 * be run in linear time: backreferences and lookaround have no linear-time algorithm, and a very
 * large program would make each match slow even so.
 *
 * @example
 * ```ts
 * const compiled = compilePattern('^[a-z]+$');
 * if (typeof compiled !== 'string') compiled.test('abc'); // true
 * compilePattern('^(a)\\1$'); // 'must be a regular expression RE2 can run in linear time …'
 * ```
 */
export function compilePattern(source: string): CompiledPattern | string {
  if (source.length > PATTERN_LIMITS.maxPatternLength) {
    return `must be at most ${PATTERN_LIMITS.maxPatternLength} characters`;
  }
  let compiled: RE2JS;
  try {
    // translateRegExp turns ECMAScript spellings (`\u00e9`, `(?<name>…)`, `\/`) into RE2's.
    compiled = RE2JS.compile(RE2JS.translateRegExp(source));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `must be a regular expression RE2 can run in linear time (no backreferences or lookaround): ${reason}`;
  }
  const programSize = programSizeOf(compiled);
  if (programSize > PATTERN_LIMITS.maxProgramSize) {
    return `is too complex: it compiles to ${programSize} RE2 instructions, at most ${PATTERN_LIMITS.maxProgramSize} are allowed`;
  }
  return { source, programSize, test: (value) => compiled.test(value) };
}

/**
 * The compiled program's instruction count. re2js exposes the program (`re2().prog`) but types
 * it loosely; without a readable count the pattern counts as the largest allowed, which only
 * makes the per-event budget stricter.
 */
function programSizeOf(compiled: RE2JS): number {
  const prog = (compiled.re2() as { prog?: { numInst?: () => unknown } }).prog;
  const size = typeof prog?.numInst === 'function' ? prog.numInst() : undefined;
  return typeof size === 'number' && Number.isFinite(size) ? size : PATTERN_LIMITS.maxProgramSize;
}
