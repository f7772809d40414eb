import { z } from 'zod';

const NUL = '\u0000';

/** Text that every database stores faithfully: well-formed UTF-16 without NUL characters. */
export function isStorableText(value: string): boolean {
  return value.isWellFormed() && !value.includes(NUL);
}

export const STORABLE_TEXT_MESSAGE = 'must be well-formed Unicode text without NUL characters';

/** A required, non-empty, storable string of at most `maxLength` characters. */
export function requiredText(maxLength: number) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .min(1, { error: 'must not be empty' })
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .refine(isStorableText, { error: STORABLE_TEXT_MESSAGE });
}

/** Formats a zod issue path the way users write it: `targets[0].metadata.plan`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
