import { AuditKitError, type AuditKitErrorDetail } from '../errors.js';
import type { AuditLogEvent } from '../event-model.js';

/**
 * A generic HTTPS endpoint: each batch is one `POST` of JSON, signed with HMAC-SHA256 in the
 * `AuditKit-Signature` header (see {@link verifyWebhookSignature}). `secret` is generated when
 * omitted and returned once, by `createLogStream`.
 *
 * @example
 * ```ts
 * const destination: WebhookDestination = { type: 'webhook', url: 'https://siem.example.com/auditkit' };
 * ```
 */
export interface WebhookDestination {
  type: 'webhook';
  url: string;
  secret?: string;
  /** Extra request headers (e.g. an authorization the endpoint wants); their values are secrets too. */
  headers?: Record<string, string>;
}

/**
 * Datadog's HTTP logs intake (`POST /api/v2/logs`, header `DD-API-KEY`): one log per event, the
 * event as JSON in `message` (Datadog parses it into attributes).
 *
 * @example
 * ```ts
 * const destination: DatadogDestination = { type: 'datadog', apiKey: process.env.DD_API_KEY!, site: 'datadoghq.eu' };
 * ```
 */
export interface DatadogDestination {
  type: 'datadog';
  apiKey: string;
  /** Datadog site, default `datadoghq.com` (intake `https://http-intake.logs.<site>`). */
  site?: string;
  /** The intake's base URL instead of the site's (a proxy, a test receiver). */
  url?: string;
  /** `service` of each log; default `auditkit`. */
  service?: string;
  /** `ddtags` of each log, e.g. `env:prod,team:security`. */
  tags?: string;
}

/**
 * Splunk's HTTP Event Collector (`POST /services/collector/event`, `Authorization: Splunk
 * <token>`): one HEC event per audit event, `time` its `occurredAt`.
 *
 * @example
 * ```ts
 * const destination: SplunkDestination = { type: 'splunk', url: 'https://splunk.example.com:8088', token: process.env.HEC_TOKEN! };
 * ```
 */
export interface SplunkDestination {
  type: 'splunk';
  /** The HEC base URL (`https://host:8088`), or the full `/services/collector/event` URL. */
  url: string;
  token: string;
  index?: string;
  /** Default `auditkit`. */
  source?: string;
  /** Default `auditkit:event`. */
  sourcetype?: string;
}

/**
 * Object storage (S3 or any `ExportStorage`): each batch is one NDJSON object, key
 * `<prefix><streamId>.<first position>-<last position>.ndjson` (positions zero-padded to 20
 * digits, so keys sort in delivery order; a batch delivered again writes its own key again).
 * `storage` names a storage given to this process in `logStreams.storages`; `prefix` is letters,
 * digits, `_`, `-` and `.` (export storages keep keys flat; an S3 storage adds its own prefix).
 *
 * @example
 * ```ts
 * const destination: StorageDestination = { type: 'storage', storage: 's3-archive', prefix: 'audit/' };
 * ```
 */
export interface StorageDestination {
  type: 'storage';
  storage: string;
  prefix?: string;
}

/**
 * An in-process function, named in `logStreams.functions` of the processes that deliver.
 *
 * @example
 * ```ts
 * const destination: FunctionDestination = { type: 'function', name: 'kafka' };
 * ```
 */
export interface FunctionDestination {
  type: 'function';
  name: string;
}

/**
 * Where a log stream delivers.
 *
 * @example
 * ```ts
 * const destination: LogStreamDestination = { type: 'splunk', url: 'https://splunk.example.com:8088', token: 'hec-token' };
 * ```
 */
export type LogStreamDestination =
  | WebhookDestination
  | DatadogDestination
  | SplunkDestination
  | StorageDestination
  | FunctionDestination;

/**
 * The kind of a destination.
 *
 * @example
 * ```ts
 * const type: LogStreamDestinationType = 'webhook';
 * ```
 */
export type LogStreamDestinationType = LogStreamDestination['type'];

/**
 * One delivered event: the event (the shape `createEvent` returns and NDJSON exports write) with
 * its `position` in the organization's commit order and its chain `hash`. Receivers de-duplicate
 * on `id` (or `position`): delivery is at least once.
 *
 * @example
 * ```ts
 * const seen = new Set<string>();
 * for (const event of batch.events) if (!seen.has(event.id)) { seen.add(event.id); store(event); }
 * ```
 */
export type LogStreamEvent = AuditLogEvent & { position: number; hash: string };

/**
 * One batch as a function destination receives it (and as the webhook body carries it, in JSON):
 * consecutive positions of one organization, ascending.
 *
 * @example
 * ```ts
 * const sink = async (batch: LogStreamBatch) => kafka.send({ topic: 'audit', messages: batch.events.map((e) => ({ key: e.id, value: JSON.stringify(e) })) });
 * ```
 */
export interface LogStreamBatch {
  streamId: string;
  organizationId: string;
  firstPosition: number;
  lastPosition: number;
  events: LogStreamEvent[];
}

const ALLOWED_FIELDS: Record<LogStreamDestinationType, { required: string[]; optional: string[] }> = {
  webhook: { required: ['url'], optional: ['secret', 'headers'] },
  datadog: { required: ['apiKey'], optional: ['site', 'url', 'service', 'tags'] },
  splunk: { required: ['url', 'token'], optional: ['index', 'source', 'sourcetype'] },
  storage: { required: ['storage'], optional: ['prefix'] },
  function: { required: ['name'], optional: [] },
};

const URL_FIELDS = new Set(['url']);

function problem(path: string, code: AuditKitErrorDetail['code'], message: string): AuditKitErrorDetail {
  return { path: `destination.${path}`.replace(/\.$/, ''), code, message };
}

/**
 * Checks a destination given to `createLogStream`; throws `invalid_request` naming each field.
 * URLs must be `https:` — or `http:` on a loopback host (a local receiver, a test).
 */
export function checkDestination(value: unknown): LogStreamDestination {
  const problems: AuditKitErrorDetail[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuditKitError('invalid_request', 'destination must be an object with a type', {
      errors: [problem('', 'invalid_type', 'must be an object')],
    });
  }
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== 'string' || !(type in ALLOWED_FIELDS)) {
    throw new AuditKitError(
      'invalid_request',
      `destination.type must be one of ${Object.keys(ALLOWED_FIELDS).join(', ')}`,
      {
        errors: [
          problem('type', 'invalid_value', `must be one of ${Object.keys(ALLOWED_FIELDS).join(', ')}`),
        ],
      },
    );
  }
  const fields = ALLOWED_FIELDS[type as LogStreamDestinationType];
  for (const key of Object.keys(record)) {
    if (key !== 'type' && !fields.required.includes(key) && !fields.optional.includes(key)) {
      problems.push(problem(key, 'unknown_field', `is not a field of a ${type} destination`));
    }
  }
  for (const key of fields.required) {
    if (record[key] === undefined) problems.push(problem(key, 'required', 'is required'));
  }
  for (const key of [...fields.required, ...fields.optional]) {
    const field = record[key];
    if (field === undefined) continue;
    if (key === 'headers') {
      const valid =
        typeof field === 'object' &&
        field !== null &&
        !Array.isArray(field) &&
        Object.entries(field).every(
          ([name, header]) =>
            /^[A-Za-z0-9-]+$/.test(name) && typeof header === 'string' && !/[\r\n]/.test(header),
        );
      if (!valid) problems.push(problem(key, 'invalid_type', 'must map header names to single-line strings'));
      continue;
    }
    if (typeof field !== 'string' || field.length === 0) {
      problems.push(problem(key, 'invalid_type', 'must be a non-empty string'));
      continue;
    }
    if (key === 'prefix' && (!/^[A-Za-z0-9_.-]{1,100}$/.test(field) || field.includes('..'))) {
      problems.push(
        problem(key, 'invalid_format', 'must be 1–100 letters, digits, "_", "-" or "." (no "..")'),
      );
    }
    if (URL_FIELDS.has(key) && !isAllowedUrl(field)) {
      problems.push(problem(key, 'invalid_format', 'must be an https: URL (http: only on a loopback host)'));
    }
  }
  if (problems.length > 0) {
    throw new AuditKitError(
      'invalid_request',
      `Invalid ${type} destination: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      {
        errors: problems,
      },
    );
  }
  return structuredClone(record) as unknown as LogStreamDestination;
}

function isAllowedUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

const mask = (secret: string) => (secret.length > 8 ? `…${secret.slice(-4)}` : '…');

/** Only the origin of a URL: its path and query may carry a token. */
function maskUrl(text: string): string {
  try {
    const url = new URL(text);
    return url.pathname === '/' && !url.search ? url.origin : `${url.origin}/…`;
  } catch {
    return '…';
  }
}

/**
 * The destination as lists and reads return it: URLs cut to their origin, secrets and tokens to
 * their last four characters, header values hidden.
 *
 * @example
 * ```ts
 * redactDestination({ type: 'webhook', url: 'https://h.example.com/x?token=1', secret: 'whsec_abcdefgh' });
 * // { type: 'webhook', url: 'https://h.example.com/…', secret: '…efgh' }
 * ```
 */
export function redactDestination(destination: LogStreamDestination): LogStreamDestination {
  switch (destination.type) {
    case 'webhook': {
      const redacted: WebhookDestination = { type: 'webhook', url: maskUrl(destination.url) };
      if (destination.secret) redacted.secret = mask(destination.secret);
      if (destination.headers)
        redacted.headers = Object.fromEntries(Object.keys(destination.headers).map((name) => [name, '…']));
      return redacted;
    }
    case 'datadog': {
      const { apiKey, url, ...rest } = destination;
      return { ...rest, apiKey: mask(apiKey), ...(url === undefined ? {} : { url: maskUrl(url) }) };
    }
    case 'splunk':
      return { ...destination, url: maskUrl(destination.url), token: mask(destination.token) };
    default:
      return { ...destination };
  }
}

/** Every secret string of a destination, to scrub from error messages. */
export function destinationSecrets(destination: LogStreamDestination): string[] {
  switch (destination.type) {
    case 'webhook':
      return [destination.url, destination.secret ?? '', ...Object.values(destination.headers ?? {})].filter(
        Boolean,
      );
    case 'datadog':
      return [destination.apiKey, destination.url ?? ''].filter(Boolean);
    case 'splunk':
      return [destination.token, destination.url];
    default:
      return [];
  }
}
