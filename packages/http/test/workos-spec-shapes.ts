import { z } from 'zod';

// Our own schemas of the WorkOS audit-log responses, written from the components and responses
// of the public WorkOS OpenAPI spec (spec/open-api-spec.yaml in workos/openapi-spec). Objects
// are not strict because the spec allows more fields than it names; every field it names and
// requires is checked with its type. Where AuditKit differs on purpose the schema says so.

const dateTime = z.iso.datetime({ offset: true });
const jsonObject = z.record(z.string(), z.unknown());

/** `AuditLogEventCreateResponse`. */
export const EventCreateResponse = z.object({ success: z.boolean() });

/** `AuditLogExportJson`. */
export const ExportJson = z.object({
  object: z.literal('audit_log_export'),
  id: z.string(),
  state: z.enum(['pending', 'ready', 'error', 'expired']),
  url: z.string().nullable().optional(),
  created_at: dateTime,
  updated_at: dateTime,
});

/** `AuditLogSchemaJson`. */
export const SchemaJson = z.object({
  object: z.literal('audit_log_schema'),
  version: z.number().int(),
  actor: z.object({ metadata: jsonObject }).optional(),
  targets: z.array(z.object({ type: z.string(), metadata: jsonObject.optional() })),
  metadata: jsonObject.optional(),
  created_at: dateTime,
});

/** `AuditLogActionJson`. */
export const ActionJson = z.object({
  object: z.literal('audit_log_action'),
  name: z.string(),
  schema: SchemaJson,
  created_at: dateTime,
  updated_at: dateTime,
});

/** The list envelope of `GET /audit_logs/actions` and `…/schemas`. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal('list'),
    data: z.array(item),
    list_metadata: z.object({ before: z.string().nullable(), after: z.string().nullable() }),
  });
}

/**
 * `AuditLogsRetentionJson`: an integer or null. (The spec's description says "Valid values are
 * 30 and 365"; AuditKit takes any positive number of days — a difference on purpose.)
 */
export const RetentionJson = z.object({ retention_period_in_days: z.number().int().nullable() });

/**
 * `AuditLogConfiguration`. The spec types `retention_period_in_days` as an integer; AuditKit
 * answers `null` for an organization that keeps its events forever (its default), so null is
 * allowed here — a difference on purpose. `log_stream` is present when the organization has a log stream.
 */
export const ConfigurationJson = z.object({
  organization_id: z.string(),
  retention_period_in_days: z.number().int().nullable(),
  state: z.enum(['active', 'inactive', 'disabled']),
  log_stream: z
    .object({
      id: z.string(),
      type: z.enum([
        'AzureSentinel',
        'Datadog',
        'GenericHttps',
        'GoogleCloudStorage',
        'S3',
        'Snowflake',
        'Splunk',
      ]),
      state: z.enum(['active', 'inactive', 'error', 'invalid']),
      last_synced_at: z.string().nullable(),
      created_at: dateTime,
    })
    .optional(),
});

/** Every error response: at least a human-readable `message`. */
export const MessageError = z.object({ message: z.string() });

/** 400 of `POST /audit_logs/events`: `invalid_audit_log_event` with `instancePath` entries. */
export const InvalidEventError = z.object({
  message: z.string(),
  code: z.string(),
  errors: z.array(z.object({ instancePath: z.string() })),
});

/** 422 of `POST /audit_logs/events` (and the other 422s): `errors: [{ code, field }]`. */
export const ValidationError = z.object({
  message: z.string(),
  errors: z.array(z.object({ code: z.string(), field: z.string() })),
});

/** 400 of `POST /audit_logs/exports` (the spec's example carries `code`). */
export const ExportRangeError = z.object({
  message: z.string(),
  code: z.literal('invalid_audit_log_export_range_date'),
});

/** 429 of `POST /audit_logs/events`. */
export const RateLimitError = z.object({ message: z.string(), code: z.string() });
