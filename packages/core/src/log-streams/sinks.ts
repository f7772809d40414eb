import type { ExportStorage } from '../export-storage.js';
import type { LogStreamBatch, LogStreamDestination } from './destinations.js';
import { destinationSecrets } from './destinations.js';
import { signWebhookPayload } from './webhook-signature.js';

/**
 * What a function destination may throw to say how its failure should be treated: `permanent`
 * failures mark the stream `failing` (delivery stops until it is resumed), others are retried with
 * backoff, after `retryAfterMs` when given. Any other error thrown is retried.
 *
 * @example
 * ```ts
 * const sink = async (batch: LogStreamBatch) => {
 *   if (!topicExists) throw new LogStreamDeliveryError('topic audit does not exist', { permanent: true });
 * };
 * ```
 */
export class LogStreamDeliveryError extends Error {
  override readonly name = 'LogStreamDeliveryError';
  readonly permanent: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: { permanent?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.permanent = options.permanent ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A function destination: receives each batch; resolving acknowledges it (the cursor moves past
 * it), throwing retries it.
 *
 * @example
 * ```ts
 * const functions: Record<string, LogStreamFunction> = { console: async (batch) => console.log(batch.events.length) };
 * ```
 */
export type LogStreamFunction = (batch: LogStreamBatch, signal: AbortSignal) => Promise<void> | void;

/**
 * The part of an `ExportStorage` (filesystem, S3) a storage destination uses: write one complete
 * object under a key.
 *
 * @example
 * ```ts
 * const storage: LogStreamStorage = filesystemExportStorage({ directory: '/var/lib/audit-archive' });
 * ```
 */
export type LogStreamStorage = Pick<ExportStorage, 'name' | 'write'>;

/** The outcome of one delivery attempt. */
export type DeliveryOutcome =
  | { ok: true }
  | { ok: false; permanent: boolean; error: string; retryAfterMs?: number };

/** Delivers one batch to one destination. */
export interface Sink {
  deliver(batch: LogStreamBatch, signal: AbortSignal): Promise<DeliveryOutcome>;
}

/** What sinks of this process can reach: the named functions and storages. */
export interface SinkRegistry {
  functions: Record<string, LogStreamFunction>;
  storages: Record<string, LogStreamStorage>;
  requestTimeoutMs: number;
  maxRetryAfterMs: number;
  now: () => Date;
}

/** Whether this process can deliver to the destination (a named function or storage it has). */
export function canDeliver(destination: LogStreamDestination, registry: SinkRegistry): boolean {
  if (destination.type === 'function') return Object.hasOwn(registry.functions, destination.name);
  if (destination.type === 'storage') return Object.hasOwn(registry.storages, destination.storage);
  return true;
}

/** The sink for a destination. */
export function sinkFor(destination: LogStreamDestination, registry: SinkRegistry): Sink {
  const scrub = scrubber(destinationSecrets(destination));
  switch (destination.type) {
    case 'webhook':
      return httpSink(registry, scrub, (batch) => {
        const body = JSON.stringify({
          object: 'log_stream_batch',
          stream_id: batch.streamId,
          organization_id: batch.organizationId,
          first_position: batch.firstPosition,
          last_position: batch.lastPosition,
          events: batch.events,
        });
        const timestamp = Math.floor(registry.now().getTime() / 1000);
        return {
          url: destination.url,
          body,
          headers: {
            ...destination.headers,
            'content-type': 'application/json',
            'auditkit-signature': signWebhookPayload(body, destination.secret ?? '', timestamp),
            'auditkit-stream-id': batch.streamId,
            'auditkit-batch-id': batchId(batch),
          },
        };
      });
    case 'datadog':
      return httpSink(registry, scrub, (batch) => {
        const base = destination.url ?? `https://http-intake.logs.${destination.site ?? 'datadoghq.com'}`;
        const logs = batch.events.map((event) => ({
          ddsource: 'auditkit',
          service: destination.service ?? 'auditkit',
          ...(destination.tags === undefined ? {} : { ddtags: destination.tags }),
          hostname: 'auditkit',
          message: JSON.stringify(event),
        }));
        return {
          url: `${base.replace(/\/$/, '')}/api/v2/logs`,
          body: JSON.stringify(logs),
          headers: { 'content-type': 'application/json', 'dd-api-key': destination.apiKey },
        };
      });
    case 'splunk':
      return httpSink(registry, scrub, (batch) => {
        const url = /\/services\/collector(\/event)?\/?$/.test(destination.url)
          ? destination.url
          : `${destination.url.replace(/\/$/, '')}/services/collector/event`;
        let body = '';
        for (const event of batch.events) {
          body += `${JSON.stringify({
            time: event.occurredAt.getTime() / 1000,
            source: destination.source ?? 'auditkit',
            sourcetype: destination.sourcetype ?? 'auditkit:event',
            ...(destination.index === undefined ? {} : { index: destination.index }),
            event,
          })}\n`;
        }
        return {
          url,
          body,
          headers: {
            'content-type': 'application/json',
            authorization: `Splunk ${destination.token}`,
            'x-splunk-request-channel': batch.streamId,
          },
        };
      });
    case 'storage': {
      const storage = registry.storages[destination.storage];
      return {
        async deliver(batch) {
          if (!storage)
            return { ok: false, permanent: true, error: `no storage named ${destination.storage} here` };
          const key = `${destination.prefix ?? ''}${batch.streamId}.${pad(batch.firstPosition)}-${pad(batch.lastPosition)}.ndjson`;
          try {
            await storage.write(key, ndjson(batch), { contentType: 'application/x-ndjson; charset=utf-8' });
            return { ok: true };
          } catch (error) {
            return {
              ok: false,
              permanent: false,
              error: `storage ${storage.name}: ${scrub(errorText(error))}`,
            };
          }
        },
      };
    }
    case 'function': {
      const fn = registry.functions[destination.name];
      return {
        async deliver(batch, signal) {
          if (!fn) return { ok: false, permanent: true, error: `no function named ${destination.name} here` };
          try {
            await fn(batch, signal);
            return { ok: true };
          } catch (error) {
            if (error instanceof LogStreamDeliveryError) {
              const outcome: DeliveryOutcome = {
                ok: false,
                permanent: error.permanent,
                error: scrub(error.message),
              };
              if (error.retryAfterMs !== undefined) outcome.retryAfterMs = error.retryAfterMs;
              return outcome;
            }
            return { ok: false, permanent: false, error: scrub(errorText(error)) };
          }
        },
      };
    }
  }
}

const pad = (position: number) => String(position).padStart(20, '0');
const batchId = (batch: LogStreamBatch) => `${batch.streamId}:${batch.firstPosition}-${batch.lastPosition}`;

async function* ndjson(batch: LogStreamBatch): AsyncIterable<string> {
  let chunk = '';
  for (const event of batch.events) {
    chunk += `${JSON.stringify(event)}\n`;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause && typeof cause === 'object' ? (cause.code ?? cause.message) : undefined;
  return detail === undefined ? error.message : `${error.message} (${String(detail)})`;
}

function scrubber(secrets: string[]): (text: string) => string {
  const hidden = secrets.filter((secret) => secret.length >= 4);
  return (text) => {
    let out = text;
    for (const secret of hidden) out = out.split(secret).join('…');
    return out;
  };
}

/** Statuses that may pass: a timeout, too early, rate limits, server errors. */
const RETRYABLE = new Set([408, 425, 429]);

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date; `undefined` when absent or invalid.
 *
 * @example
 * ```ts
 * parseRetryAfter('120', Date.now()); // 120000
 * ```
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function httpSink(
  registry: SinkRegistry,
  scrub: (text: string) => string,
  request: (batch: LogStreamBatch) => { url: string; body: string; headers: Record<string, string> },
): Sink {
  return {
    async deliver(batch, signal) {
      const { url, body, headers } = request(batch);
      const host = safeHost(url);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          body,
          headers: { 'user-agent': 'AuditKit-LogStreams/1', ...headers },
          signal: AbortSignal.any([signal, AbortSignal.timeout(registry.requestTimeoutMs)]),
          redirect: 'manual',
        });
      } catch (error) {
        return {
          ok: false,
          permanent: false,
          error: scrub(`request to ${host} failed: ${errorText(error)}`),
        };
      }
      const text = await response.text().catch(() => '');
      if (response.status >= 200 && response.status < 300) return { ok: true };
      const detail = scrub(text.replace(/\s+/g, ' ').slice(0, 200));
      const error = `HTTP ${response.status} from ${host}${detail ? `: ${detail}` : ''}`;
      const retryable = RETRYABLE.has(response.status) || response.status >= 500;
      const outcome: DeliveryOutcome = { ok: false, permanent: !retryable, error };
      if (response.status === 429 || response.status === 503) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), registry.now().getTime());
        if (retryAfter !== undefined) outcome.retryAfterMs = Math.min(retryAfter, registry.maxRetryAfterMs);
      }
      return outcome;
    },
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the destination';
  }
}
