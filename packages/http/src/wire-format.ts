import type {
  AuditKitErrorDetailCode,
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
  LogStream,
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

/** A broken rule of the wire format: the field as sent, the rule's code, and a readable line. */
export interface WireProblem {
  field: string;
  code: AuditKitErrorDetailCode;
  message: string;
}

/** A wire request that could not be translated: which fields, and why. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
  readonly problems: WireProblem[];

  constructor(what: string, problems: WireProblem[]) {
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
 * A wire field path (`targets[0].metadata.plan`) as the JSON Pointer the WorkOS API reports
 * in `instancePath` (`/targets/0/metadata/plan`). Metadata keys cannot hold `.` or `[`, so the
 * path splits unambiguously.
 */
export function fieldToPointer(field: string): string {
  if (field === '') return '';
  const segments = field
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  return segments.map((segment) => `/${segment.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
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
    if (name === undefined) {
      problems.push({ field: `${at}${key}`, code: 'unknown_field', message: 'is not a known field' });
    } else if (value !== undefined) out[name] = value;
  }
  return out;
}

type Problem = WireProblem;

function requireObject(value: unknown, what: string): Json {
  if (!isObject(value)) {
    throw new WireFormatError(what, [{ field: '', code: 'invalid_type', message: 'must be a JSON object' }]);
  }
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
    problems.push({
      field: 'organization_id',
      code: organizationId === undefined ? 'required' : 'invalid_value',
      message: 'must be a non-empty string',
    });
  }
  if (!isObject(event)) {
    problems.push({
      field: 'event',
      code: event === undefined ? 'required' : 'invalid_type',
      message: 'must be a JSON object',
    });
  }
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
    problems.push({
      field: 'action',
      code: 'invalid_value',
      message: `must match the action in the path ("${action}")`,
    });
  }
  // The WorkOS API requires at least one target type (its spec's `minItems: 1`).
  if (Array.isArray(definition.targets) && definition.targets.length === 0) {
    problems.push({ field: 'targets', code: 'too_small', message: 'must declare at least one target type' });
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

/**
 * The body of `POST /audit_logs/exports`. The deprecated `actors` filter of the WorkOS API
 * means actor names: its values join `actor_names`.
 */
export function exportFiltersFromWire(body: unknown): AuditLogExportFilters {
  const problems: Problem[] = [];
  const filters = pick(
    requireObject(body, 'export request'),
    { ...EXPORT_FIELDS, actors: 'actors' },
    '',
    problems,
  );
  if (filters.actors !== undefined) {
    const { actors, actorNames } = filters;
    delete filters.actors;
    if (!Array.isArray(actors) || (actorNames !== undefined && !Array.isArray(actorNames))) {
      problems.push({ field: 'actors', code: 'invalid_type', message: 'must be an array of strings' });
    } else {
      filters.actorNames = [...((actorNames as unknown[] | undefined) ?? []), ...actors];
    }
  }
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

/**
 * The retention periods WorkOS SDK 11 sends as `retention_period`, in days: `1_MONTH` …
 * `11_MONTHS` in 30-day steps (30 … 330), then `1_YEAR` … `10_YEARS` in 365-day steps.
 */
export const RETENTION_PERIODS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries([
    ...Array.from({ length: 11 }, (_, index) => [
      `${index + 1}_${index === 0 ? 'MONTH' : 'MONTHS'}`,
      30 * (index + 1),
    ]),
    ...Array.from({ length: 10 }, (_, index) => [
      `${index + 1}_${index === 0 ? 'YEAR' : 'YEARS'}`,
      365 * (index + 1),
    ]),
  ]),
);

/**
 * The body of `PUT /organizations/:id/audit_logs_retention`: `retention_period_in_days` (the
 * WorkOS spec and older SDKs; any positive integer, or `null` to keep events forever) or
 * `retention_period` (SDK 11: one of {@link RETENTION_PERIODS}). When both are sent they must
 * name the same number of days.
 */
export function retentionFromWire(body: unknown): AuditLogRetention {
  const problems: Problem[] = [];
  const retention = pick(
    requireObject(body, 'retention'),
    { retention_period_in_days: 'retentionPeriodInDays', retention_period: 'retentionPeriod' },
    '',
    problems,
  );
  const { retentionPeriod } = retention;
  if (retentionPeriod !== undefined) {
    const days = typeof retentionPeriod === 'string' ? RETENTION_PERIODS[retentionPeriod] : undefined;
    if (days === undefined || !Object.hasOwn(RETENTION_PERIODS, String(retentionPeriod))) {
      problems.push({
        field: 'retention_period',
        code: 'invalid_value',
        message: 'must be one of 1_MONTH … 11_MONTHS or 1_YEAR … 10_YEARS',
      });
    } else if ('retentionPeriodInDays' in retention && retention.retentionPeriodInDays !== days) {
      problems.push({
        field: 'retention_period_in_days',
        code: 'conflicting_options',
        message: `must equal the days of retention_period (${days}) when both are sent`,
      });
    } else {
      retention.retentionPeriodInDays = days;
    }
    delete retention.retentionPeriod;
  } else if (!('retentionPeriodInDays' in retention)) {
    problems.push({
      field: 'retention_period_in_days',
      code: 'required',
      message: 'is required (a positive integer or null), or retention_period',
    });
  }
  // AuditKit validates the period at run time; this is only its static type.
  return finish('retention', problems, retention as unknown as AuditLogRetention);
}

/** An organization's retention on the wire, as the spec and every SDK read it. */
export function retentionToWire(retention: AuditLogRetention): Json {
  return { retention_period_in_days: retention.retentionPeriodInDays };
}

/** WorkOS's `log_stream.type` for each AuditKit destination (a function destination has none). */
const LOG_STREAM_TYPES: Readonly<Record<string, string>> = {
  webhook: 'GenericHttps',
  datadog: 'Datadog',
  splunk: 'Splunk',
  storage: 'S3',
};

/**
 * WorkOS's `log_stream.state` for each AuditKit state: `retrying` (the destination fails, delivery
 * backs off) is `error`, `failing` (refused for good until resumed) is `invalid`, `paused` is `inactive`.
 */
const LOG_STREAM_STATES: Readonly<Record<LogStream['state'], string>> = {
  active: 'active',
  retrying: 'error',
  paused: 'inactive',
  failing: 'invalid',
};

/**
 * `GET /organizations/:id/audit_log_configuration`: retention, state, and the organization's
 * first log stream of a WorkOS type (`log_stream`: id, type, state, last synced time), absent
 * when it has none.
 */
export function configurationToWire(
  organizationId: string,
  retention: AuditLogRetention,
  streams: readonly LogStream[] = [],
): Json {
  const configuration: Json = {
    organization_id: organizationId,
    retention_period_in_days: retention.retentionPeriodInDays,
    state: 'active',
  };
  const stream = streams.find((candidate) => LOG_STREAM_TYPES[candidate.type] !== undefined);
  if (stream) {
    configuration.log_stream = {
      id: stream.id,
      type: LOG_STREAM_TYPES[stream.type],
      state: LOG_STREAM_STATES[stream.state],
      last_synced_at: stream.lastSyncedAt?.toISOString() ?? null,
      created_at: stream.createdAt.toISOString(),
    };
  }
  return configuration;
}

const PAGE_PARAMS = { limit: 'limit', before: 'before', after: 'after', order: 'order' };
const LIST_PARAMS = ['actions', 'actor_names', 'actor_ids', 'targets'];

/** The largest `limit` of the lists the WorkOS API has (actions, schemas): its spec says 1–100. */
export const WORKOS_MAX_LIMIT = 100;

/**
 * A list request read from the query, and how to write its page back. `order=normal` (WorkOS:
 * newest first, with `before` fetching older records and `after` newer ones) is AuditKit's
 * `desc` with the two cursors swapped, both in the request and in `list_metadata`.
 */
export interface ListQuery<T> {
  options: T;
  toWire<V>(list: List<V>, item: (value: V) => Json): Json;
}

function listQuery<T extends PaginationOptions>(options: Json, maxLimit: number | undefined): ListQuery<T> {
  const problems: Problem[] = [];
  if (maxLimit !== undefined && typeof options.limit === 'number' && options.limit > maxLimit) {
    problems.push({ field: 'limit', code: 'too_big', message: `must be between 1 and ${maxLimit}` });
  }
  const normal = options.order === 'normal';
  if (normal) {
    const { before, after } = options;
    options.order = 'desc';
    delete options.before;
    delete options.after;
    if (before !== undefined) options.after = before;
    if (after !== undefined) options.before = after;
  }
  finish('query', problems, options);
  return {
    // AuditKit validates the options at run time; this is only their static type.
    options: options as T,
    toWire: (list, item) => {
      const wire = listToWire(list, item);
      if (!normal) return wire;
      return { ...wire, list_metadata: { before: list.listMetadata.after, after: list.listMetadata.before } };
    },
  };
}

/** Paging query parameters (`limit` 1–100, `before`, `after`, `order` including `normal`). */
export function paginationFromQuery(query: URLSearchParams): ListQuery<PaginationOptions> {
  return listQuery(queryToOptions(query, PAGE_PARAMS, [], 'query'), WORKOS_MAX_LIMIT);
}

/**
 * The query of `GET /audit_logs/events` (not a WorkOS endpoint: `limit` is AuditKit's 1–1000).
 * List filters repeat their parameter (`actions=a&actions=b`, or `actions[]=a`) because values
 * may contain commas.
 */
export function listEventsFromQuery(query: URLSearchParams): ListQuery<ListEventsOptions> {
  return listQuery(
    queryToOptions(query, { ...PAGE_PARAMS, ...EXPORT_FIELDS }, LIST_PARAMS, 'query'),
    undefined,
  );
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
      problems.push({ field: rawKey, code: 'unknown_field', message: 'is not a known parameter' });
      continue;
    }
    const values = query.getAll(rawKey);
    if (lists.includes(key)) {
      out[name] = [...((out[name] as string[] | undefined) ?? []), ...values];
    } else if (values.length > 1 || rawKey !== key) {
      problems.push({ field: key, code: 'invalid_value', message: 'must be given once' });
    } else {
      const value = values[0] ?? '';
      out[name] = key === 'limit' && /^-?\d+$/.test(value) ? Number(value) : value;
    }
  }
  return finish(what, problems, out);
}
