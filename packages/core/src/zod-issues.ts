import type { z } from 'zod';
import { unknownKeyMessage } from './did-you-mean.js';
import type { AuditKitErrorDetail, AuditKitErrorDetailCode } from './errors.js';
import { formatPath } from './text-rules.js';

type Schema = z.core.$ZodType;

/** Wrappers that hold the schema that decides which keys an object knows. */
function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as unknown as {
      type: string;
      innerType?: Schema;
      in?: Schema;
      getter?: () => Schema;
    };
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else if (def.type === 'lazy' && def.getter) current = def.getter();
    else return current;
  }
}

/** The keys the object schema at `path` inside `schema` declares (empty when there is none). */
function knownKeysAt(schema: Schema, path: readonly PropertyKey[]): string[] {
  let current: Schema | undefined = unwrap(schema);
  for (const segment of path) {
    if (!current) return [];
    const def = current._zod.def as unknown as {
      type: string;
      element?: Schema;
      shape?: Record<string, Schema>;
    };
    const next: Schema | undefined =
      def.type === 'array' ? def.element : def.type === 'object' ? def.shape?.[String(segment)] : undefined;
    current = next && unwrap(next);
  }
  const def = current?._zod.def as unknown as { type: string; shape?: Record<string, Schema> } | undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/**
 * Turns zod's issues into error details that name the field: an unknown key gets its own path and
 * "is not a known field; did you mean `occurredAt`?" (zod says "Unrecognized key" at the parent's
 * path), and comes first, because it usually explains the other problems (the field it was meant
 * to be is then missing).
 *
 * @example
 * ```ts
 * const parsed = schema.safeParse({ occurred_at: '2024-01-01' });
 * if (!parsed.success) issueDetails(schema, parsed.error.issues, input);
 * // [{ path: 'occurred_at', code: 'unknown_field', message: 'is not a known field; did you mean `occurredAt`?' },
 * //  { path: 'occurredAt', code: 'required', message: 'is required' }, …]
 * ```
 */
export function issueDetails(
  schema: Schema,
  issues: readonly z.core.$ZodIssue[],
  input?: unknown,
): AuditKitErrorDetail[] {
  const unknown: AuditKitErrorDetail[] = [];
  const other: AuditKitErrorDetail[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        unknown.push({
          path: formatPath([...issue.path, key]),
          code: 'unknown_field',
          message: unknownKeyMessage(key, known),
        });
      }
    } else {
      other.push({ path: formatPath(issue.path), code: codeOfIssue(issue, input), message: issue.message });
    }
  }
  return [...unknown, ...other];
}

/**
 * The machine-readable code of a zod issue. `input` is the value that was parsed: an issue
 * about a field it does not hold is `required`, whatever rule zod reports.
 */
function codeOfIssue(issue: z.core.$ZodIssue, input: unknown): AuditKitErrorDetailCode {
  if (valueAt(input, issue.path) === undefined) return 'required';
  switch (issue.code) {
    case 'invalid_type':
      return 'invalid_type';
    case 'too_big':
      return 'too_big';
    case 'too_small':
      return 'too_small';
    case 'invalid_format':
      return 'invalid_format';
    default:
      return 'invalid_value';
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}
