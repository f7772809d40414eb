import canonicalize from 'canonicalize';
import { z } from 'zod';
import { AuditKitError } from './errors.js';
import { FORBIDDEN_METADATA_KEYS, METADATA_LIMITS } from './limits.js';
import { isPlainObject } from './metadata.js';
import { compilePattern } from './metadata-patterns.js';
import { requiredText } from './text-rules.js';
import { issueDetails } from './zod-issues.js';

/** The SDK shorthand for a metadata schema: each key and the type of its value. */
export type MetadataShorthand = Record<string, 'string' | 'number' | 'boolean'>;

/** One property of a metadata JSON Schema. Metadata values are strings, numbers or booleans. */
export interface MetadataPropertySchema {
  type: 'string' | 'number' | 'integer' | 'boolean';
  description?: string;
  enum?: (string | number | boolean)[];
  const?: string | number | boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
}

/** A metadata schema in JSON Schema form (the form AuditKit stores and returns). */
export interface MetadataJsonSchema {
  type: 'object';
  properties: Record<string, MetadataPropertySchema>;
  required?: string[];
  additionalProperties?: boolean;
}

/** Either form a metadata schema may be given in. */
export type MetadataSchemaInput = MetadataShorthand | MetadataJsonSchema;

/**
 * What `createSchema` takes (the WorkOS SDK's `CreateAuditLogSchemaOptions`).
 *
 * @example
 * ```ts
 * const definition: CreateAuditLogSchemaInput = {
 *   action: 'document.shared',
 *   targets: [{ type: 'document', metadata: { folder: 'string' } }],
 *   actor: { metadata: { role: 'string' } },
 *   metadata: { type: 'object', properties: { via: { type: 'string', enum: ['link', 'email'] } }, required: ['via'] },
 * };
 * ```
 */
export interface CreateAuditLogSchemaInput {
  action: string;
  targets: { type: string; metadata?: MetadataSchemaInput }[];
  actor?: { metadata?: MetadataSchemaInput };
  metadata?: MetadataSchemaInput;
}

/** The normalized definition: JSON Schema metadata, targets sorted by type, no empty slots. */
export interface SchemaDefinition {
  action: string;
  targets: { type: string; metadata?: MetadataJsonSchema }[];
  actor?: { metadata?: MetadataJsonSchema };
  metadata?: MetadataJsonSchema;
}

/**
 * A stored schema version (the WorkOS `AuditLogSchema`), metadata always in JSON Schema form.
 *
 * @example
 * ```ts
 * const schema: AuditLogSchema = await auditLog.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }] });
 * schema.version; // 1
 * ```
 */
export interface AuditLogSchema extends SchemaDefinition {
  object: 'audit_log_schema';
  version: number;
  createdAt: Date;
}

const metadataKey = z
  .string()
  .regex(METADATA_LIMITS.keyPattern, { error: 'key must be 1-40 characters of letters, digits, "_" or "-"' })
  .refine((key) => !FORBIDDEN_METADATA_KEYS.has(key), { error: 'is not allowed as a metadata key' });

const propertySchema = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean'], {
    error: 'type must be "string", "number", "integer" or "boolean"',
  }),
  description: z.string().optional(),
  enum: z
    .array(z.union([z.string(), z.number(), z.boolean()]))
    .min(1)
    .optional(),
  const: z.union([z.string(), z.number(), z.boolean()]).optional(),
  minLength: z.number().int().nonnegative().optional(),
  maxLength: z.number().int().nonnegative().optional(),
  pattern: z
    .string()
    .superRefine((pattern, ctx) => {
      try {
        // JSON Schema patterns are ECMAScript regular expressions…
        new RegExp(pattern, 'u');
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a valid regular expression' });
        return;
      }
      // …and AuditKit runs them on RE2, in linear time (see metadata-patterns.ts).
      const compiled = compilePattern(pattern);
      if (typeof compiled === 'string') ctx.addIssue({ code: 'custom', message: compiled });
    })
    .optional(),
  format: z.string().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  exclusiveMinimum: z.number().optional(),
  exclusiveMaximum: z.number().optional(),
  multipleOf: z.number().positive().optional(),
});

const jsonSchemaForm = z.strictObject({
  type: z.literal('object', { error: 'type must be "object"' }),
  properties: z.record(metadataKey, propertySchema).default({}),
  required: z.array(metadataKey).optional(),
  additionalProperties: z.boolean().optional(),
  $schema: z.string().optional(),
  description: z.string().optional(),
  title: z.string().optional(),
});

const shorthandForm = z.record(metadataKey, z.enum(['string', 'number', 'boolean']));

const metadataSchemaInput = z.custom<MetadataSchemaInput>().transform((value, ctx): MetadataJsonSchema => {
  if (!isPlainObject(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be an object (SDK shorthand or JSON Schema)' });
    return z.NEVER;
  }
  // A shorthand whose key is literally "type" maps to a type name, never to "object".
  const isJsonSchema = (value as Record<string, unknown>).type === 'object';
  const parsed = (isJsonSchema ? jsonSchemaForm : shorthandForm).safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: issue.path });
    return z.NEVER;
  }
  if (!isJsonSchema) {
    const shorthand = parsed.data as MetadataShorthand;
    const properties: Record<string, MetadataPropertySchema> = {};
    for (const [key, type] of Object.entries(shorthand)) properties[key] = { type };
    return { type: 'object', properties };
  }
  const {
    $schema: _ignored,
    description: _d,
    title: _t,
    ...schema
  } = parsed.data as MetadataJsonSchema & {
    $schema?: string;
    description?: string;
    title?: string;
  };
  for (const [index, key] of (schema.required ?? []).entries()) {
    if (!(key in schema.properties) && schema.additionalProperties === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['required', index],
        message: `"${key}" is required but not allowed`,
      });
    }
  }
  return schema;
});

const definitionInput = z.strictObject({
  action: requiredText(1024),
  targets: z
    .array(z.strictObject({ type: requiredText(1024), metadata: metadataSchemaInput.optional() }), {
      error: 'must be an array of { type, metadata? }',
    })
    .max(100, { error: 'must declare at most 100 target types' }),
  actor: z.strictObject({ metadata: metadataSchemaInput.optional() }).optional(),
  metadata: metadataSchemaInput.optional(),
});

/**
 * Validates a `createSchema` argument and brings it to the stored form, so that two
 * definitions that mean the same thing compare equal.
 */
export function normalizeSchemaDefinition(input: unknown): SchemaDefinition {
  const parsed = definitionInput.safeParse(input);
  if (!parsed.success) {
    const errors = issueDetails(definitionInput, parsed.error.issues, input);
    const first = errors[0];
    throw new AuditKitError(
      'invalid_request',
      `Invalid schema definition: ${first ? `${first.path || 'definition'} ${first.message}` : 'invalid'}`,
      { errors },
    );
  }
  const { action, targets, actor, metadata } = parsed.data;
  const seen = new Set<string>();
  for (const target of targets) {
    if (seen.has(target.type)) {
      throw new AuditKitError(
        'invalid_request',
        `Invalid schema definition: target type "${target.type}" is declared twice`,
        {
          errors: [
            { path: 'targets', code: 'duplicate', message: `target type "${target.type}" is declared twice` },
          ],
        },
      );
    }
    seen.add(target.type);
  }
  const definition: SchemaDefinition = {
    action,
    targets: targets
      .map((target) =>
        target.metadata ? { type: target.type, metadata: target.metadata } : { type: target.type },
      )
      .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)),
  };
  if (actor?.metadata) definition.actor = { metadata: actor.metadata };
  if (metadata) definition.metadata = metadata;
  return definition;
}

/** `true` when two normalized definitions mean the same thing. */
export function sameDefinition(a: SchemaDefinition, b: SchemaDefinition): boolean {
  return definitionKey(a) === definitionKey(b);
}

function definitionKey({ action, targets, actor, metadata }: SchemaDefinition): string | undefined {
  return canonicalize({ action, targets, actor: actor?.metadata ? actor : undefined, metadata });
}
