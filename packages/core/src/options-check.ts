import { unknownKeyMessage } from './did-you-mean.js';
import { AuditKitError, type AuditKitErrorDetail } from './errors.js';

/**
 * One option a factory accepts: what it must be (said in the error message) and the test of it.
 * An option set to `undefined` counts as not given.
 *
 * @example
 * ```ts
 * const busyTimeoutMs: OptionRule = { expected: 'a whole number of milliseconds ≥ 0', accepts: isNonNegativeInteger };
 * ```
 */
export interface OptionRule {
  /** What the value must be, completing "`name` must be …": `a non-empty string`. */
  readonly expected: string;
  /** Whether a given (not `undefined`) value is acceptable. */
  readonly accepts: (value: unknown) => boolean;
  /** When the value is a plain object: the options it may hold, checked the same way. */
  readonly fields?: OptionsSpec;
}

/**
 * Everything a factory's options object may hold, and how options go together.
 *
 * @example
 * ```ts
 * const spec: OptionsSpec = {
 *   options: { filename: { expected: 'a file path', accepts: isString }, database: { expected: 'a better-sqlite3 Database', accepts: hasMethods('prepare') } },
 *   exactlyOneOf: [['filename', 'database']],
 * };
 * ```
 */
export interface OptionsSpec {
  /** Every option, by name. Any other key is refused, with the closest known name suggested. */
  readonly options: Readonly<Record<string, OptionRule>>;
  /** Options that must be given. */
  readonly required?: readonly string[];
  /** Groups of options of which exactly one must be given (where the connection comes from). */
  readonly exactlyOneOf?: readonly (readonly string[])[];
  /** Options that mean something only beside another: `{ busyTimeoutMs: 'filename' }`. */
  readonly onlyWith?: Readonly<Record<string, string>>;
  /** Former or foreign names and the option meant instead: `{ connectionString: 'url' }`. */
  readonly renamed?: Readonly<Record<string, string>>;
}

/**
 * Checks a factory's options when the factory is called, so a mistake is reported where it was
 * made (`sqliteStore({ filname })`) instead of as a storage error when the store is first used.
 * Throws `AuditKitError('invalid_request')` listing every problem, each with the option's `path`.
 *
 * @example
 * ```ts
 * import { checkOptions, isNonEmptyString } from '@auditkit/core/store';
 *
 * export function myStore(options: MyStoreOptions): AuditStore {
 *   checkOptions('myStore', options, {
 *     options: { url: { expected: 'a connection URL string', accepts: isNonEmptyString } },
 *     required: ['url'],
 *   });
 *   // …options are now known to be well-formed
 * }
 * ```
 */
export function checkOptions(factory: string, value: unknown, spec: OptionsSpec): void {
  if (!isPlainObject(value)) {
    throw new AuditKitError(
      'invalid_request',
      `${factory} expects an options object, got ${describe(value)}`,
      {
        errors: [{ path: '', code: 'invalid_type', message: 'must be an options object' }],
      },
    );
  }
  const errors = problems(value, spec, '', factory);
  if (errors.length === 0) return;
  const summary = errors.map((error) => `\`${error.path}\` ${error.message}`).join('; ');
  throw new AuditKitError('invalid_request', `Invalid ${factory} options: ${summary}`, { errors });
}

function problems(
  value: Record<string, unknown>,
  spec: OptionsSpec,
  prefix: string,
  factory: string,
): AuditKitErrorDetail[] {
  const errors: AuditKitErrorDetail[] = [];
  const known = Object.keys(spec.options);
  const given = (name: string) => value[name] !== undefined;
  const at = (name: string) => `${prefix}${name}`;
  for (const key of Object.keys(value)) {
    const rule = Object.hasOwn(spec.options, key) ? spec.options[key] : undefined;
    if (!rule) {
      const kind = prefix === '' ? `option of ${factory}` : `option of \`${prefix.slice(0, -1)}\``;
      errors.push({
        path: at(key),
        code: 'unknown_field',
        message: unknownKeyMessage(key, known, kind, spec.renamed),
      });
      continue;
    }
    const option = value[key];
    if (option === undefined) continue;
    if (!rule.accepts(option)) {
      errors.push({
        path: at(key),
        code: 'invalid_value',
        message: `must be ${rule.expected}, got ${describe(option)}`,
      });
    } else if (rule.fields && isPlainObject(option)) {
      errors.push(...problems(option, rule.fields, `${at(key)}.`, factory));
    }
  }
  for (const name of spec.required ?? []) {
    if (!given(name))
      errors.push({
        path: at(name),
        code: 'required',
        message: `is required: ${spec.options[name]?.expected}`,
      });
  }
  for (const group of spec.exactlyOneOf ?? []) {
    const present = group.filter(given);
    if (present.length === 1) continue;
    const names = group.map((name) => `\`${at(name)}\``).join(' or ');
    errors.push({
      path: at(present[1] ?? group[0] ?? ''),
      code: present.length === 0 ? 'required' : 'conflicting_options',
      message:
        present.length === 0 ? `is missing: pass ${names}` : `cannot be combined: pass ${names}, not both`,
    });
  }
  for (const [name, partner] of Object.entries(spec.onlyWith ?? {})) {
    if (given(name) && !given(partner)) {
      errors.push({
        path: at(name),
        code: 'conflicting_options',
        message: `applies only together with \`${at(partner)}\``,
      });
    }
  }
  return errors;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, safe description of what was passed, for messages: `string "x"`, `number 3`, `an object`. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'function':
      return 'a function';
    case 'object':
      return 'an object';
    default:
      return String(typeof value);
  }
}

/**
 * A non-empty string.
 *
 * @example
 * ```ts
 * const url: OptionRule = { expected: 'a connection URL string', accepts: isNonEmptyString };
 * ```
 */
export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * A whole number, zero or more.
 *
 * @example
 * ```ts
 * isNonNegativeInteger(5000); // true
 * ```
 */
export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A whole number, one or more.
 *
 * @example
 * ```ts
 * isPositiveInteger(1000); // true
 * ```
 */
export function isPositiveInteger(value: unknown): value is number {
  return isNonNegativeInteger(value) && value > 0;
}

/**
 * An object (not an array).
 *
 * @example
 * ```ts
 * const clientOptions: OptionRule = { expected: 'MongoClient options (an object)', accepts: isObject };
 * ```
 */
export function isObject(value: unknown): value is object {
  return isPlainObject(value);
}

/**
 * A test for an object (or class instance) having the named methods, own or inherited: how a
 * driver's handle is recognised without importing the driver.
 *
 * @example
 * ```ts
 * const pool: OptionRule = { expected: 'a pg.Pool (an object with connect())', accepts: hasMethods('connect') };
 * ```
 */
export function hasMethods(...names: string[]): (value: unknown) => boolean {
  return (value) =>
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
}
