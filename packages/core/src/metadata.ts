import { z } from 'zod';
import { FORBIDDEN_METADATA_KEYS, METADATA_LIMITS } from './limits.js';
import { isStorableText, STORABLE_TEXT_MESSAGE } from './text-rules.js';

/** A metadata value: a short string, a finite number or a boolean. */
export type MetadataValue = string | number | boolean;

/** Flat key/value metadata attached to an event, its actor or a target. */
export type Metadata = Record<string, MetadataValue>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function valueProblem(value: unknown): string | undefined {
  if (typeof value === 'string') {
    if (value.length > METADATA_LIMITS.maxStringValueLength) {
      return `must be at most ${METADATA_LIMITS.maxStringValueLength} characters`;
    }
    return isStorableText(value) ? undefined : STORABLE_TEXT_MESSAGE;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'must be a finite number';
  if (typeof value === 'boolean') return undefined;
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  return `must be a string, a finite number or a boolean, not ${kind}`;
}

/**
 * Checks every metadata rule of the SPEC and returns a fresh copy, so later mutation of the
 * caller's object cannot change what was validated.
 */
export const metadataSchema = z.custom<Metadata>().transform((value, ctx): Metadata => {
  if (!isPlainObject(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be an object of key/value pairs' });
    return z.NEVER;
  }
  const keys = Object.keys(value);
  if (keys.length > METADATA_LIMITS.maxKeys) {
    ctx.addIssue({
      code: 'custom',
      message: `must have at most ${METADATA_LIMITS.maxKeys} keys, got ${keys.length}`,
    });
  }
  const copy: Metadata = {};
  for (const key of keys) {
    if (!METADATA_LIMITS.keyPattern.test(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'key must be 1-40 characters of letters, digits, "_" or "-"',
      });
      continue;
    }
    if (FORBIDDEN_METADATA_KEYS.has(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is not allowed as a metadata key` });
      continue;
    }
    const entry = value[key];
    const problem = valueProblem(entry);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: `value ${problem}` });
    // JSON has no -0: store and return 0, so the created event equals what reads return.
    else copy[key] = Object.is(entry, -0) ? 0 : (entry as MetadataValue);
  }
  return copy;
});
