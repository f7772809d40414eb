// Monotonic ULIDs, as the `ulid` package's `monotonicFactory` makes them, without its per-id
// string work: it encodes the 10 time characters one `charAt` at a time for every id and
// increments the 16 random characters by slicing and re-joining the string (`incrementBase32`),
// which profiled at ~3 % of core's CPU per event (a batch's events share a millisecond, so nearly
// every id is an increment). Here the random part is kept as 16 base-32 digits, and the id text
// is a cached head (time + first 14 random characters, rebuilt only when the time changes or a
// carry reaches it) plus one of 1,024 two-character tails. A property test
// (test/monotonic-ulid.test.ts) checks, with the same random source, that every id equals
// `monotonicFactory`'s, including equal, earlier and invalid times and the overflow it refuses.

const ENCODING = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford's base 32
const TIME_MAX = 2 ** 48 - 1;
const RANDOM_DIGITS = 16;
/** Every two-character tail, indexed by `32 × first digit + second digit`. */
const TAILS = Array.from({ length: 1024 }, (_, n) => `${ENCODING[n >> 5]}${ENCODING[n & 31]}`);

/** `ulid`'s time check and encoding (10 characters, most significant first). */
function encodeTime(time: number): string {
  if (Number.isNaN(time)) throw new Error(`Time must be a number: ${time}`);
  if (time > TIME_MAX) throw new Error(`Cannot encode a time larger than ${TIME_MAX}: ${time}`);
  if (time < 0) throw new Error(`Time must be positive: ${time}`);
  if (!Number.isInteger(time)) throw new Error(`Time must be an integer: ${time}`);
  let text = '';
  let rest = time;
  for (let i = 0; i < 10; i++) {
    const digit = rest % 32;
    text = ENCODING[digit] + text;
    rest = (rest - digit) / 32;
  }
  return text;
}

/**
 * A generator of monotonic ULIDs: ids for the same or an earlier millisecond than the last
 * increment the last id's random part (keeping the last time), so ids sort in creation order.
 * `random` returns numbers in `[0, 1)`, as `ulid`'s PRNG argument does.
 *
 * @example
 * ```ts
 * const next = monotonicUlidFactory(Math.random);
 * next(Date.now()) < next(Date.now()); // true
 * ```
 */
export function monotonicUlidFactory(random: () => number): (seedTime?: number) => string {
  const digits = new Uint8Array(RANDOM_DIGITS);
  let lastTime = 0;
  let timeText = '';
  /** Time text and the first 14 random characters. */
  let head = '';

  function rebuildHead(): void {
    let text = timeText;
    for (let i = 0; i < RANDOM_DIGITS - 2; i++) text += ENCODING[digits[i] as number];
    head = text;
  }

  return function nextUlid(seedTime?: number): string {
    // As `ulid`: no time, 0 or NaN means now.
    const seed = !seedTime || Number.isNaN(seedTime) ? Date.now() : seedTime;
    if (seed <= lastTime) {
      // Increment the base-32 number the random digits form; past all Z's there is no next id.
      // (Before any id there is nothing to increment: `ulid` throws too.)
      if (head === '') throw new Error(`Time must be positive: ${seed}`);
      let i = RANDOM_DIGITS - 1;
      while (i >= 0 && digits[i] === 31) i--;
      if (i < 0) throw new Error('Failed incrementing the random part of a ULID: it is at its maximum');
      (digits[i] as number)++;
      for (let j = i + 1; j < RANDOM_DIGITS; j++) digits[j] = 0;
      if (i < RANDOM_DIGITS - 2) rebuildHead();
    } else {
      timeText = encodeTime(seed);
      lastTime = seed;
      // `ulid` draws the last character first.
      for (let i = RANDOM_DIGITS - 1; i >= 0; i--) digits[i] = Math.floor(random() * 32) % 32;
      rebuildHead();
    }
    return (
      head +
      (TAILS[(digits[RANDOM_DIGITS - 2] as number) * 32 + (digits[RANDOM_DIGITS - 1] as number)] as string)
    );
  };
}
