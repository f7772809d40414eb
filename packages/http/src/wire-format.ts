import type {
  AuditLogAction,
  AuditLogEvent,
  AuditLogExport,
  AuditLogExportFilters,
  AuditLogRetention,
  AuditLogSchema,
  CreateAuditLogEventInput,
  CreateAuditLogSchemaInput,
  List,
  ListEventsOptions,
  PaginationOptions,
} from '@auditkit/core';

// The wire is snake_case, AuditKit is camelCase. Every shape is translated field by field from
// an explicit table — never by rewriting keys generically — because metadata keys and JSON
// Schema keywords (`additionalProperties`) are user data that must arrive unchanged.

/** camelCase field names of AuditKit and their snake_case wire names. */
const WIRE_NAMES: Readonly<Record<string, string>> = {
  occurredAt: 'occurred_at',
  receivedAt: 'received_at',
  userAgent: 'user_agent',
  organizationId: 'organization_id',
  rangeStart: 'range_start',
  rangeEnd: 'range_end',
  actorNames: 'actor_names',
  actorIds: 'actor_ids',
  retentionPeriodInDays: 'retention_period_in_days',
  idempotencyKey: 'idempotency_key',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  rowCount: 'row_count',
};

/** A wire request that could not be translated: which fields, and why. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
  readonly problems: { field: string; message: string }[];

  constructor(what: string, problems: { field: string; message: string }[]) {
    const first = problems[0];
    super(`Invalid ${what}: ${first ? `${first.field || 'body'} ${first.message}` : 'malformed'}`);
    this.problems = problems;
  }
}

/**
 * Renames an error path of AuditKit (`context.userAgent`, `targets[0].metadata.planTier`) to
 * the wire. Everything after a `metadata` segment is a user's key and stays as it is.
 */
export function fieldToWire(path: string): string {
  const metadataAt = path.search(/(^|\.)metadata(\.|\[|$)/);
  const head = metadataAt === -1 ? path : path.slice(0, metadataAt);
  const tail = metadataAt === -1 ? '' : path.slice(metadataAt);
  return head.replace(/[A-Za-z]+/g, (word) => WIRE_NAMES[word] ?? word) + tail;
}

/**
 * Renames AuditKit field names inside a message, path by path like {@link fieldToWire}.
 * Quoted parts (`key "planTier"`, `action "user.signed_in"`) are the caller's own values and
 * are left alone.
 */
export function messageToWire(message: string): string {
  return message
    .split(/("[^"]*")/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/[A-Za-z_][\w.[\]-]*/g, fieldToWire)))
    .join('');
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Copies the fields of `table` (wire name → AuditKit name) from a wire object, reporting any
 * other field, so a typo or a camelCase name is an error instead of silently ignored.
 */
function pick(source: Json, table: Readonly<Record<string, string>>, at: string, problems: Problem[]): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    const name = Object.hasOwn(table, key) ? table[key] : undefined;
    if (name === undefined) problems.push({ field: `${at}${key}`, message: 'is not a known field' });
    else if (value !== undefined) out[name] = value;
  }
  return out;
}

type Problem = { field: string; message: string };

function requireObject(value: unknown, what: string): Json {
  if (!isObject(value)) throw new WireFormatError(what, [{ field: '', message: 'must be a JSON object' }]);
  return value;
}

function finish<T>(what: string, problems: Problem[], value: T): T {
  if (problems.length > 0) throw new WireFormatError(what, problems);
  return value;
}

const EVENT_FIELDS = {
  action: 'action',
  version: 'version',
  occurred_at: 'occurredAt',
  actor: 'actor',
  targets: 'targets',
  context: 'context',
  metadata: 'metadata',
};
const CONTEXT_FIELDS = { location: 'location', user_agent: 'userAgent' };

/**
 * The body of `POST /audit_logs/events`, `{ organization_id, event }`, in AuditKit's shape.
 * Only the envelope and names are checked here; the event's content is validated by AuditKit.
 * Wrong field names inside the event are reported as an invalid event (400) before AuditKit
 * looks at its content.
 */
export function eventRequestFromWire(body: unknown): {
  organizationId: string;
  event: CreateAuditLogEventInput;
} {
  const envelope = requireObject(body, 'request body');
  const problems: Problem[] = [];
  const { organizationId, event } = pick(
    envelope,
    { organization_id: 'organizationId', event: 'event' },
    '',
    problems,
  );
  if (typeof organizationId !== 'string' || organizationId === '') {
    problems.push({ field: 'organization_id', message: 'must be a non-empty string' });
  }
  if (!isObject(event)) problems.push({ field: 'event', message: 'must be a JSON object' });
  if (problems.length > 0 || typeof organizationId !== 'string' || !isObject(event)) {
    throw new WireFormatError('request body', problems);
  }
  const eventProblems: Problem[] = [];
  const translated = pick(event, EVENT_FIELDS, '', eventProblems);
  if (isObject(translated.context)) {
    translated.context = pick(translated.context, CONTEXT_FIELDS, 'context.', eventProblems);
  }
  if (eventProblems.length > 0) throw new InvalidEventError(eventProblems);
  // AuditKit validates every field of the event at run time; this is only its static type.
  return { organizationId, event: translated as unknown as CreateAuditLogEventInput };
}

/** An event whose field names are wrong: reported like AuditKit's `invalid_audit_log_event`. */
export class InvalidEventError extends WireFormatError {
  constructor(problems: Problem[]) {
    super('audit log event', problems);
  }
}

/** A stored event on the wire. */
export function eventToWire(event: AuditLogEvent): Json {
  const context: Json = { location: event.context.location };
  if (event.context.userAgent !== undefined) context.user_agent = event.context.userAgent;
  const wire: Json = {
    object: event.object,
    id: event.id,
    organization_id: event.organizationId,
    action: event.action,
    version: event.version,
    occurred_at: event.occurredAt.toISOString(),
    actor: event.actor,
    targets: event.targets,
    context,
  };
  if (event.metadata !== undefined) wire.metadata = event.metadata;
  wire.received_at = event.receivedAt.toISOString();
  return wire;
}

/**
 * The body of `POST /audit_logs/actions/:action/schemas`, the action coming from the path.
 * The SDK always sends `actor: { metadata: { type: 'object', properties: {} } }`, even when the
 * caller declared no actor metadata; that empty schema constrains nothing, so it is dropped to
 * keep SDK declarations equal to in-process ones (which would otherwise add a schema version).
 */
export function schemaFromWire(action: string, body: unknown): CreateAuditLogSchemaInput {
  const problems: Problem[] = [];
  const definition = pick(
    requireObject(body, 'schema'),
    { action: 'action', targets: 'targets', actor: 'actor', metadata: 'metadata' },
    '',
    problems,
  );
  if (definition.action !== undefined && definition.action !== action) {
    problems.push({ field: 'action', message: `must match the action in the path ("${action}")` });
  }
  if (isEmptyActorSchema(definition.actor)) delete definition.actor;
  // AuditKit validates the definition at run time; this is only its static type.
  return finish('schema', problems, { ...definition, action } as unknown as CreateAuditLogSchemaInput);
}

function isEmptyActorSchema(actor: unknown): boolean {
  if (!isObject(actor)) return false;
  const keys = Object.keys(actor);
  if (keys.length === 0) return true;
  const metadata = actor.metadata;
  return (
    keys.length === 1 &&
    isObject(metadata) &&
    Object.keys(metadata).every((key) => key === 'type' || key === 'properties') &&
    metadata.type === 'object' &&
    isObject(metadata.properties) &&
    Object.keys(metadata.properties).length === 0
  );
}

/** A schema version on the wire; targets, actor and metadata are JSON Schema, sent as stored. */
export function schemaToWire(schema: AuditLogSchema): Json {
  const wire: Json = {
    object: schema.object,
    action: schema.action,
    version: schema.version,
    targets: schema.targets,
  };
  if (schema.actor !== undefined) wire.actor = schema.actor;
  if (schema.metadata !== undefined) wire.metadata = schema.metadata;
  wire.created_at = schema.createdAt.toISOString();
  return wire;
}

/** A configured action on the wire. */
export function actionToWire(action: AuditLogAction): Json {
  return {
    object: action.object,
    name: action.name,
    schema: schemaToWire(action.schema),
    created_at: action.createdAt.toISOString(),
    updated_at: action.updatedAt.toISOString(),
  };
}

/** A page on the wire: `list_metadata` carries the same opaque cursors. */
export function listToWire<T>(list: List<T>, item: (value: T) => Json): Json {
  return {
    object: list.object,
    data: list.data.map(item),
    list_metadata: { before: list.listMetadata.before, after: list.listMetadata.after },
  };
}

const EXPORT_FIELDS = {
  organization_id: 'organizationId',
  range_start: 'rangeStart',
  range_end: 'rangeEnd',
  actions: 'actions',
  actor_names: 'actorNames',
  actor_ids: 'actorIds',
  targets: 'targets',
};

/** The body of `POST /audit_logs/exports`. */
export function exportFiltersFromWire(body: unknown): AuditLogExportFilters {
  const problems: Problem[] = [];
  const filters = pick(requireObject(body, 'export request'), EXPORT_FIELDS, '', problems);
  // AuditKit validates the filters at run time; this is only their static type.
  return finish('export request', problems, filters as unknown as AuditLogExportFilters);
}

/** The states of an export in the WorkOS API: AuditKit's, and `expired` once the file is gone. */
export type ExportWireState = AuditLogExport['state'] | 'expired';

/** What a client is told about a failed export; the reason itself goes to `onError`. */
export const EXPORT_FAILED_REASON = 'The export failed; the server log has the details';

/**
 * An export on the wire; `url` is the HTTP download link, never the server's file path. A
 * failed export carries a generic `error`: its real reason can name server paths.
 */
export function exportToWire(exp: AuditLogExport, state: ExportWireState, url: string | undefined): Json {
  const wire: Json = { object: exp.object, id: exp.id, state };
  if (url !== undefined) wire.url = url;
  wire.created_at = exp.createdAt.toISOString();
  wire.updated_at = exp.updatedAt.toISOString();
  if (exp.rowCount !== undefined) wire.row_count = exp.rowCount;
  if (state === 'error') wire.error = EXPORT_FAILED_REASON;
  return wire;
}

/** The body of `PUT /organizations/:id/audit_logs_retention`. */
export function retentionFromWire(body: unknown): AuditLogRetention {
  const problems: Problem[] = [];
  const retention = pick(
    requireObject(body, 'retention'),
    { retention_period_in_days: 'retentionPeriodInDays' },
    '',
    problems,
  );
  if (!('retentionPeriodInDays' in retention)) {
    problems.push({ field: 'retention_period_in_days', message: 'is required (a positive integer or null)' });
  }
  // AuditKit validates the period at run time; this is only its static type.
  return finish('retention', problems, retention as unknown as AuditLogRetention);
}

/** An organization's retention on the wire. */
export function retentionToWire(retention: AuditLogRetention): Json {
  return { retention_period_in_days: retention.retentionPeriodInDays };
}

const PAGE_PARAMS = { limit: 'limit', before: 'before', after: 'after', order: 'order' };
const LIST_PARAMS = ['actions', 'actor_names', 'actor_ids', 'targets'];

/** Paging query parameters (`limit`, `before`, `after`, `order`). */
export function paginationFromQuery(query: URLSearchParams): PaginationOptions {
  return queryToOptions(query, PAGE_PARAMS, [], 'query') as PaginationOptions;
}

/**
 * The query of `GET /audit_logs/events`. List filters repeat their parameter
 * (`actions=a&actions=b`, or `actions[]=a`) because values may contain commas.
 */
export function listEventsFromQuery(query: URLSearchParams): ListEventsOptions {
  // AuditKit validates the options at run time; this is only their static type.
  return queryToOptions(
    query,
    { ...PAGE_PARAMS, ...EXPORT_FIELDS },
    LIST_PARAMS,
    'query',
  ) as unknown as ListEventsOptions;
}

function queryToOptions(
  query: URLSearchParams,
  table: Readonly<Record<string, string>>,
  lists: readonly string[],
  what: string,
): Json {
  const problems: Problem[] = [];
  const out: Json = {};
  for (const rawKey of new Set(query.keys())) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const name = Object.hasOwn(table, key) ? table[key] : undefined;
    if (name === undefined) {
      problems.push({ field: rawKey, message: 'is not a known parameter' });
      continue;
    }
    const values = query.getAll(rawKey);
    if (lists.includes(key)) {
      out[name] = [...((out[name] as string[] | undefined) ?? []), ...values];
    } else if (values.length > 1 || rawKey !== key) {
      problems.push({ field: key, message: 'must be given once' });
    } else {
      const value = values[0] ?? '';
      out[name] = key === 'limit' && /^-?\d+$/.test(value) ? Number(value) : value;
    }
  }
  return finish(what, problems, out);
}
