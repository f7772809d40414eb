import { type ZodType, z } from 'zod';
import type { AuditKitErrorDetail } from './errors.js';
import type { NormalizedEvent } from './event-model.js';
import type { Metadata } from './metadata.js';
import { type CompiledPattern, compilePattern, PATTERN_LIMITS } from './metadata-patterns.js';
import type { AuditLogSchema, MetadataJsonSchema, MetadataPropertySchema } from './schema-definition.js';
import { formatPath } from './text-rules.js';

/** Checks a normalized event against one schema version; returns the broken rules. */
export type SchemaValidator = (event: NormalizedEvent) => AuditKitErrorDetail[];

/** One metadata slot's checks: zod for everything but `pattern`, RE2 for the patterns. */
interface MetadataValidator {
  zod: ZodType;
  /**
   * For schemas made only of property types (the SDK shorthand and its JSON Schema form): a
   * hand-written check that returns `true` only when zod would accept. `false` means "ask zod",
   * which then decides and words every error.
   */
  plainlyValid: ((metadata: Metadata) => boolean) | undefined;
  /** Per key: the compiled pattern, or why a stored pattern cannot be run safely. */
  patterns: Map<string, CompiledPattern | string>;
}

function compileMetadata(schema: MetadataJsonSchema | undefined): MetadataValidator | undefined {
  if (!schema) return undefined;
  // zod would compile `pattern` into a backtracking RegExp: strip it and check it with RE2.
  const patterns = new Map<string, CompiledPattern | string>();
  const properties: MetadataJsonSchema['properties'] = {};
  for (const [key, { pattern, ...property }] of Object.entries(schema.properties)) {
    properties[key] = property;
    if (pattern !== undefined) patterns.set(key, compilePattern(pattern));
  }
  const zod = z.fromJSONSchema({ ...schema, properties } as Parameters<typeof z.fromJSONSchema>[0]);
  return { zod, patterns, plainlyValid: typeOnlyCheck({ ...schema, properties }) };
}

const TYPE_ONLY_KEYS = new Set(['type', 'description']);

function isOfType(value: unknown, type: MetadataPropertySchema['type']): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isSafeInteger(value);
    default:
      return false;
  }
}

/**
 * The fast check of a schema whose properties declare only a type (patterns are run apart, by
 * RE2), or `undefined` when the schema uses other keywords. A property test
 * (test/schema-validator-fast-path.test.ts) checks that it never passes what zod rejects.
 */
export function typeOnlyCheck(schema: MetadataJsonSchema): ((metadata: Metadata) => boolean) | undefined {
  const entries = Object.entries(schema.properties);
  for (const [, property] of entries) {
    for (const keyword of Object.keys(property)) if (!TYPE_ONLY_KEYS.has(keyword)) return undefined;
  }
  const required = new Set(schema.required ?? []);
  for (const key of required) if (!Object.hasOwn(schema.properties, key)) return undefined;
  const closed = schema.additionalProperties === false;
  return (metadata) => {
    for (const [key, property] of entries) {
      const value = metadata[key];
      if (value === undefined) {
        if (required.has(key)) return false;
      } else if (!Object.hasOwn(metadata, key) || !isOfType(value, property.type)) {
        return false;
      }
    }
    if (closed) for (const key in metadata) if (!Object.hasOwn(schema.properties, key)) return false;
    return true;
  };
}

/** The pattern work `metadata` needs: the sum of value length × program size (see PATTERN_LIMITS). */
function patternWork(validator: MetadataValidator | undefined, metadata: Metadata | undefined): number {
  let work = 0;
  if (!validator || !metadata) return work;
  for (const [key, pattern] of validator.patterns) {
    const value = metadata[key];
    if (typeof value === 'string' && typeof pattern !== 'string') work += value.length * pattern.programSize;
  }
  return work;
}

function metadataErrors(
  validator: MetadataValidator | undefined,
  metadata: Metadata | undefined,
  path: (string | number)[],
): AuditKitErrorDetail[] {
  if (!validator) return [];
  const at = (key: string | number, message: string): AuditKitErrorDetail => ({
    path: formatPath([...path, key]),
    code: 'schema_mismatch',
    message: `${message} (schema ${describeSlot(path)})`,
  });
  const values = metadata ?? {};
  const result = validator.plainlyValid?.(values) ? undefined : validator.zod.safeParse(values);
  if (result === undefined && validator.patterns.size === 0) return [];
  const errors: AuditKitErrorDetail[] =
    result === undefined || result.success
      ? []
      : result.error.issues.map((issue) => ({
          path: formatPath([...path, ...(issue.path as (string | number)[])]),
          code: 'schema_mismatch' as const,
          message: `${issue.message} (schema ${describeSlot(path)})`,
        }));
  for (const [key, pattern] of validator.patterns) {
    const value = metadata?.[key];
    if (typeof value !== 'string') continue; // absent, or a type error zod reported
    if (typeof pattern === 'string') {
      errors.push(
        at(key, `cannot be checked: the schema's pattern ${pattern}; declare a new schema version`),
      );
    } else if (!pattern.test(value)) {
      errors.push(at(key, `Invalid string: must match pattern /${pattern.source}/`));
    }
  }
  return errors;
}

function describeSlot(path: (string | number)[]): string {
  return path.length === 1 ? 'event metadata' : `${String(path[0])} metadata`;
}

/** What a validator returns for a valid event: shared, never written to. */
const NO_ERRORS: AuditKitErrorDetail[] = [];
Object.freeze(NO_ERRORS);

/** A slot without patterns whose type-only check passes (no schema for the slot passes too). */
function slotPasses(validator: MetadataValidator | undefined, metadata: Metadata | undefined): boolean {
  return validator === undefined || validator.plainlyValid?.(metadata ?? EMPTY_METADATA) === true;
}
const EMPTY_METADATA: Metadata = Object.freeze({}) as Metadata;

/**
 * Compiles a stored schema version into a validator. Compiling is the expensive part, so the
 * result is cached per (action, version) by {@link SchemaValidatorCache}.
 */
export function compileSchemaValidator(
  schema: AuditLogSchema,
  /** `false` only in the property test that compares the two ways. */
  allocationFreePass = true,
): SchemaValidator {
  const targetValidators = new Map<string, MetadataValidator | undefined>(
    schema.targets.map((target) => [target.type, compileMetadata(target.metadata)]),
  );
  const actorValidator = compileMetadata(schema.actor?.metadata);
  const eventValidator = compileMetadata(schema.metadata);
  const declaredTypes = schema.targets.map((target) => `"${target.type}"`).join(', ') || 'none';

  const slots = [actorValidator, eventValidator, ...targetValidators.values()];
  const checkedByType = slots.every((slot) => slot === undefined || slot.patterns.size === 0);

  /**
   * True when nothing can be wrong: every slot has only type checks, they all pass, and every
   * target type is declared. Allocates nothing; anything else goes to the full check below,
   * which finds and words the errors.
   */
  const plainlyValid = (event: NormalizedEvent): boolean => {
    if (!checkedByType || !allocationFreePass) return false;
    if (!slotPasses(actorValidator, event.actor.metadata) || !slotPasses(eventValidator, event.metadata)) {
      return false;
    }
    const { targets } = event;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as NormalizedEvent['targets'][number];
      const validator = targetValidators.get(target.type);
      if (validator === undefined && !targetValidators.has(target.type)) return false;
      if (!slotPasses(validator, target.metadata)) return false;
    }
    return true;
  };

  return (event) => {
    if (plainlyValid(event)) return NO_ERRORS;
    let work =
      patternWork(actorValidator, event.actor.metadata) + patternWork(eventValidator, event.metadata);
    for (const target of event.targets)
      work += patternWork(targetValidators.get(target.type), target.metadata);
    if (work > PATTERN_LIMITS.maxWorkPerEvent) {
      // Refused before any pattern runs, so no event can hold the event loop for long.
      return [
        {
          path: 'metadata',
          code: 'too_big',
          message: `checking this event's metadata against the patterns of schema "${schema.action}" version ${schema.version} needs ${work} units of work, more than the ${PATTERN_LIMITS.maxWorkPerEvent} one event may use (value length × pattern size); send shorter values or fewer of them`,
        },
      ];
    }
    const errors: AuditKitErrorDetail[] = [
      ...metadataErrors(actorValidator, event.actor.metadata, ['actor', 'metadata']),
      ...metadataErrors(eventValidator, event.metadata, ['metadata']),
    ];
    event.targets.forEach((target, index) => {
      if (!targetValidators.has(target.type)) {
        errors.push({
          path: formatPath(['targets', index, 'type']),
          code: 'undeclared_target',
          message: `target type "${target.type}" is not declared by schema "${schema.action}" version ${schema.version} (declared: ${declaredTypes})`,
        });
        return;
      }
      errors.push(
        ...metadataErrors(targetValidators.get(target.type), target.metadata, ['targets', index, 'metadata']),
      );
    });
    return errors;
  };
}

/**
 * Compiled validators by (action, version). Schema versions never change once stored, so a
 * cached validator can never go stale, even when other processes add versions.
 */
export class SchemaValidatorCache {
  readonly #entries = new Map<string, SchemaValidator>();
  readonly #capacity: number;
  /**
   * The last few (action, version) looked up, compared by value before building the map's key:
   * a batch's events mostly share a few actions, and the key string cost more than the check.
   */
  readonly #recent: { action: string; version: number; validator: SchemaValidator }[] = [];

  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  get(action: string, version: number): SchemaValidator | undefined {
    const recent = this.#recent;
    for (let i = 0; i < recent.length; i++) {
      const entry = recent[i] as (typeof recent)[number];
      if (entry.action === action && entry.version === version) return entry.validator;
    }
    const validator = this.#entries.get(`${version}:${action}`);
    if (validator !== undefined) {
      if (recent.length >= RECENT) recent.pop();
      recent.unshift({ action, version, validator });
    }
    return validator;
  }

  remember(schema: AuditLogSchema): SchemaValidator {
    const validator = compileSchemaValidator(schema);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) {
        this.#entries.delete(oldest);
        this.#recent.length = 0; // an evicted validator must not stay reachable here
      }
    }
    this.#entries.set(`${schema.version}:${schema.action}`, validator);
    return validator;
  }
}

/** How many recent (action, version) lookups {@link SchemaValidatorCache} keeps at hand. */
const RECENT = 4;
