import { type ZodType, z } from 'zod';
import type { AuditKitErrorDetail } from './errors.js';
import type { NormalizedEvent } from './event-model.js';
import type { Metadata } from './metadata.js';
import type { AuditLogSchema, MetadataJsonSchema } from './schema-definition.js';
import { formatPath } from './text-rules.js';

/** Checks a normalized event against one schema version; returns the broken rules. */
export type SchemaValidator = (event: NormalizedEvent) => AuditKitErrorDetail[];

function compileMetadata(schema: MetadataJsonSchema | undefined): ZodType | undefined {
  return schema ? z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]) : undefined;
}

function metadataErrors(
  validator: ZodType | undefined,
  metadata: Metadata | undefined,
  path: (string | number)[],
): AuditKitErrorDetail[] {
  if (!validator) return [];
  const result = validator.safeParse(metadata ?? {});
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: formatPath([...path, ...(issue.path as (string | number)[])]),
    code: 'schema_mismatch' as const,
    message: `${issue.message} (schema ${describeSlot(path)})`,
  }));
}

function describeSlot(path: (string | number)[]): string {
  return path.length === 1 ? 'event metadata' : `${String(path[0])} metadata`;
}

/**
 * Compiles a stored schema version into a validator. Compiling is the expensive part, so the
 * result is cached per (action, version) by {@link SchemaValidatorCache}.
 */
export function compileSchemaValidator(schema: AuditLogSchema): SchemaValidator {
  const targetValidators = new Map<string, ZodType | undefined>(
    schema.targets.map((target) => [target.type, compileMetadata(target.metadata)]),
  );
  const actorValidator = compileMetadata(schema.actor?.metadata);
  const eventValidator = compileMetadata(schema.metadata);
  const declaredTypes = schema.targets.map((target) => `"${target.type}"`).join(', ') || 'none';

  return (event) => {
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

  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  get(action: string, version: number): SchemaValidator | undefined {
    return this.#entries.get(`${version}:${action}`);
  }

  remember(schema: AuditLogSchema): SchemaValidator {
    const validator = compileSchemaValidator(schema);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(`${schema.version}:${schema.action}`, validator);
    return validator;
  }
}
