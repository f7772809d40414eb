import leven from 'leven';

/** Case, `_` and `-` do not make names different to a reader: `occurred_at` ≈ `occurredAt`. */
function comparable(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/**
 * The known name a mistyped one most likely meant, or `undefined` when none is close: the same
 * name in another case or spelling convention (`occurred_at` → `occurredAt`), the start of a
 * name (`maxBatch` → `maxBatchSize`), or one at most two edits away (`filname` → `filename`) on
 * names long enough for that to mean something.
 *
 * @example
 * ```ts
 * closestName('occurred_at', ['action', 'occurredAt']); // 'occurredAt'
 * closestName('zzz', ['action', 'occurredAt']); // undefined
 * ```
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const wanted = comparable(name);
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    // leven (a maintained Levenshtein implementation) measures how many edits apart two names are.
    const distance = leven(wanted, comparable(candidate));
    if (distance === 0) return candidate;
    // A shortened name (`maxBatch` for `maxBatchSize`) is a mistake, not a different option.
    if (wanted.length >= 4 && comparable(candidate).startsWith(wanted) && !best) {
      best = { name: candidate, distance: 2 };
      continue;
    }
    const allowed = Math.min(2, Math.floor(Math.min(wanted.length, candidate.length) / 3));
    if (distance <= allowed && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/**
 * The message for a key nobody declared: "is not a known field; did you mean `occurredAt`?".
 * It follows the key's path in an error detail, so it does not repeat the key.
 */
export function unknownKeyMessage(
  key: string,
  known: readonly string[],
  kind = 'field',
  renamed: Readonly<Record<string, string>> = {},
): string {
  const suggestion = Object.hasOwn(renamed, key) ? renamed[key] : closestName(key, known);
  const list = known.map((name) => `\`${name}\``).join(', ');
  return suggestion === undefined
    ? `is not a known ${kind} (known: ${list})`
    : `is not a known ${kind}; did you mean \`${suggestion}\`?`;
}
