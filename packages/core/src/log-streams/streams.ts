import { AuditKitError } from '../errors.js';
import type { AuditLogEvent } from '../event-model.js';
import { newLogStreamId } from '../ids.js';
import type { AuditStore, LogStreamRecord, LogStreamState } from '../store.js';
import {
  checkDestination,
  type LogStreamDestination,
  type LogStreamDestinationType,
  redactDestination,
} from './destinations.js';
import { newWebhookSecret } from './webhook-signature.js';

/**
 * The commit-ordered sequence as log streams read it (the store's `readSequencedEvents` and
 * `getSequenceHead`).
 */
export interface SequenceReader {
  readSequencedEvents(query: {
    organizationId: string;
    afterPosition: number;
    limit: number;
  }): Promise<{ position: number; hash: string; event: AuditLogEvent }[]>;
  getSequenceHead(organizationId: string): Promise<{ position: number; hash: string } | undefined>;
}

/**
 * A log stream as the API returns it: its destination with secrets cut (see
 * `redactDestination`), its delivery state and its lag.
 *
 * @example
 * ```ts
 * const stream: LogStream = await auditLog.getLogStream('log_stream_01J…');
 * if (stream.state === 'failing') console.error(stream.lastError);
 * console.log(`${stream.lag} events behind, last synced ${stream.lastSyncedAt?.toISOString()}`);
 * ```
 */
export interface LogStream {
  object: 'log_stream';
  id: string;
  organizationId: string;
  type: LogStreamDestinationType;
  /** The destination, URLs cut to their origin, secrets and tokens to their last 4 characters. */
  destination: LogStreamDestination;
  /** `active`, `retrying` (see `lastError`), `paused`, or `failing` (see `lastError`; resume to retry). */
  state: LogStreamState;
  /** Why the last attempt failed, while `retrying` or `failing`. */
  lastError?: string;
  /** When the destination last acknowledged a batch. */
  lastSyncedAt?: Date;
  /** The last position the destination acknowledged (0: none yet). */
  cursor: number;
  /** The organization's newest position. */
  headPosition: number;
  /** `headPosition − cursor`: events committed but not yet delivered. */
  lag: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What `createLogStream` returns: the stream, and for a webhook its signing secret in full — the
 * only time it is returned; store it where the receiver can read it.
 *
 * @example
 * ```ts
 * const { id, signingSecret } = await auditLog.createLogStream({ organizationId, destination: { type: 'webhook', url } });
 * ```
 */
export interface CreatedLogStream extends LogStream {
  signingSecret?: string;
}

/**
 * Options of `createLogStream`.
 *
 * @example
 * ```ts
 * const input: CreateLogStreamInput = {
 *   organizationId: 'org_123',
 *   destination: { type: 'datadog', apiKey: process.env.DD_API_KEY! },
 *   startAt: 'beginning',
 * };
 * ```
 */
export interface CreateLogStreamInput {
  organizationId: string;
  destination: LogStreamDestination;
  /** `now` (default): events committed from now on; `beginning`: every stored event first (a backfill). */
  startAt?: 'now' | 'beginning';
}

/**
 * Where `replayLogStream` starts again: at a position (inclusive), or at the first event
 * received at or after a time.
 *
 * @example
 * ```ts
 * await auditLog.replayLogStream(id, { fromPosition: 1 }); // everything again
 * await auditLog.replayLogStream(id, { fromTime: new Date(Date.now() - 86_400_000) });
 * ```
 */
export type ReplayLogStreamOptions = { fromPosition: number } | { fromTime: Date };

/**
 * Options of `listLogStreams`.
 *
 * @example
 * ```ts
 * const { data } = await auditLog.listLogStreams({ organizationId: 'org_123' });
 * ```
 */
export interface ListLogStreamsOptions {
  organizationId?: string;
}

const REPLAY_PAGE = 1000;

/** The log stream API: records in the store, decisions here. */
export class LogStreams {
  constructor(
    private readonly store: AuditStore,
    private readonly sequence: () => SequenceReader,
    private readonly now: () => Date,
  ) {}

  async create(input: CreateLogStreamInput): Promise<CreatedLogStream> {
    if (typeof input !== 'object' || input === null) {
      throw new AuditKitError('invalid_request', 'createLogStream needs { organizationId, destination }');
    }
    const { organizationId, startAt = 'now' } = input;
    if (typeof organizationId !== 'string' || organizationId.length === 0) {
      throw new AuditKitError('invalid_request', 'organizationId must be a non-empty string', {
        errors: [{ path: 'organizationId', code: 'required', message: 'must be a non-empty string' }],
      });
    }
    if (startAt !== 'now' && startAt !== 'beginning') {
      throw new AuditKitError('invalid_request', "startAt must be 'now' or 'beginning'", {
        errors: [{ path: 'startAt', code: 'invalid_value', message: "must be 'now' or 'beginning'" }],
      });
    }
    const destination = checkDestination(input.destination);
    let signingSecret: string | undefined;
    if (destination.type === 'webhook') {
      destination.secret ??= newWebhookSecret();
      signingSecret = destination.secret;
    }
    // Positions above the head read now are events not yet committed (or sealed): all delivered.
    const cursor =
      startAt === 'now' ? ((await this.sequence().getSequenceHead(organizationId))?.position ?? 0) : 0;
    const at = this.now();
    const record: LogStreamRecord = {
      id: newLogStreamId(at.getTime()),
      organizationId,
      type: destination.type,
      destination: JSON.stringify(destination),
      state: 'active',
      cursor,
      deliveryToken: 0,
      createdAt: at,
      updatedAt: at,
    };
    await this.store.insertLogStream(record);
    const stream: CreatedLogStream = await this.toPublic(record);
    if (signingSecret !== undefined) stream.signingSecret = signingSecret;
    return stream;
  }

  async get(id: string): Promise<LogStream> {
    return this.toPublic(await this.mustGet(id));
  }

  async list(options: ListLogStreamsOptions = {}): Promise<{ object: 'list'; data: LogStream[] }> {
    const query = options.organizationId === undefined ? {} : { organizationId: options.organizationId };
    const records = await this.store.listLogStreams(query);
    const heads = new Map<string, number>();
    for (const record of records) {
      if (!heads.has(record.organizationId))
        heads.set(record.organizationId, await this.headOf(record.organizationId));
    }
    return {
      object: 'list',
      data: records.map((record) => toPublic(record, heads.get(record.organizationId) ?? 0)),
    };
  }

  async pause(id: string): Promise<LogStream> {
    await this.change(id, { state: 'paused' }, ['active', 'retrying', 'failing', 'paused']);
    return this.get(id);
  }

  async resume(id: string): Promise<LogStream> {
    await this.mustGet(id);
    // Only a paused or failing stream changes; an active one stays as it is.
    await this.store.updateLogStream(
      id,
      { state: 'active', lastError: null, updatedAt: this.now() },
      { states: ['paused', 'failing'] },
    );
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.store.deleteLogStream(id))) throw notFound(id);
  }

  async replay(id: string, options: ReplayLogStreamOptions): Promise<LogStream> {
    const record = await this.mustGet(id);
    const cursor = await this.replayCursor(record.organizationId, options);
    // The delivering process's claim is revoked with the move (token 0): its advance of a batch in
    // flight — conditional on its token — fails even when that batch started where the replay
    // points (a cursor compare alone would let it through), and it hands the stream back; the
    // next lease holder claims it and reads on from here.
    if (!(await this.store.updateLogStream(id, { cursor, deliveryToken: 0, updatedAt: this.now() }))) {
      throw notFound(id);
    }
    return this.get(id);
  }

  private async replayCursor(organizationId: string, options: ReplayLogStreamOptions): Promise<number> {
    if (typeof options === 'object' && options !== null && 'fromPosition' in options) {
      const { fromPosition } = options;
      if (!Number.isSafeInteger(fromPosition) || fromPosition < 1) {
        throw new AuditKitError('invalid_request', 'fromPosition must be a positive integer', {
          errors: [{ path: 'fromPosition', code: 'invalid_value', message: 'must be a positive integer' }],
        });
      }
      return fromPosition - 1;
    }
    if (typeof options === 'object' && options !== null && 'fromTime' in options) {
      const { fromTime } = options;
      if (!(fromTime instanceof Date) || Number.isNaN(fromTime.getTime())) {
        throw new AuditKitError('invalid_request', 'fromTime must be a valid Date', {
          errors: [{ path: 'fromTime', code: 'invalid_type', message: 'must be a valid Date' }],
        });
      }
      // The first position whose event was received at or after fromTime; every later position
      // follows (some received earlier, committed later: delivered too, never skipped).
      let after = 0;
      for (;;) {
        const page = await this.sequence().readSequencedEvents({
          organizationId,
          afterPosition: after,
          limit: REPLAY_PAGE,
        });
        const found = page.find((entry) => entry.event.receivedAt.getTime() >= fromTime.getTime());
        if (found) return found.position - 1;
        const last = page.at(-1);
        if (!last) return after;
        after = last.position;
      }
    }
    throw new AuditKitError('invalid_request', 'replayLogStream needs { fromPosition } or { fromTime }', {
      errors: [{ path: '', code: 'required', message: 'give fromPosition or fromTime' }],
    });
  }

  private async change(id: string, change: { state: LogStreamState }, from: LogStreamState[]): Promise<void> {
    await this.mustGet(id);
    await this.store.updateLogStream(id, { ...change, updatedAt: this.now() }, { states: from });
  }

  private async mustGet(id: string): Promise<LogStreamRecord> {
    if (typeof id !== 'string' || id.length === 0) {
      throw new AuditKitError('invalid_request', 'a log stream id must be a non-empty string');
    }
    const record = await this.store.getLogStream(id);
    if (!record) throw notFound(id);
    return record;
  }

  private async headOf(organizationId: string): Promise<number> {
    return (await this.sequence().getSequenceHead(organizationId))?.position ?? 0;
  }

  private async toPublic(record: LogStreamRecord): Promise<LogStream> {
    return toPublic(record, await this.headOf(record.organizationId));
  }
}

function notFound(id: string): AuditKitError {
  return new AuditKitError('not_found', `No log stream ${id}`);
}

/** The stored destination of a record (core wrote it). */
export function destinationOf(record: LogStreamRecord): LogStreamDestination {
  return JSON.parse(record.destination) as LogStreamDestination;
}

function toPublic(record: LogStreamRecord, head: number): LogStream {
  const stream: LogStream = {
    object: 'log_stream',
    id: record.id,
    organizationId: record.organizationId,
    type: record.type as LogStreamDestinationType,
    destination: redactDestination(destinationOf(record)),
    state: record.state,
    cursor: record.cursor,
    headPosition: Math.max(head, record.cursor),
    lag: Math.max(0, head - record.cursor),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  if (record.lastError !== undefined) stream.lastError = record.lastError;
  if (record.lastSyncedAt !== undefined) stream.lastSyncedAt = record.lastSyncedAt;
  return stream;
}
