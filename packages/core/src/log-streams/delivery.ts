import { randomUUID } from 'node:crypto';
import type { AuditStore, LeaseGrant, LogStreamRecord } from '../store.js';
import type { LogStreamBatch, LogStreamDestination } from './destinations.js';
import {
  canDeliver,
  type LogStreamFunction,
  type LogStreamStorage,
  type SinkRegistry,
  sinkFor,
} from './sinks.js';
import { destinationOf, type SequenceReader } from './streams.js';

/**
 * How this process delivers log streams (`createAuditLog({ logStreams })`).
 *
 * @example
 * ```ts
 * const settings: LogStreamSettings = { deliver: true, functions: { audit: async (batch) => sendToKafka(batch) } };
 * ```
 */
export interface LogStreamSettings {
  /** Deliver streams from this process (each stream by one process at a time). Default `false`. */
  deliver: boolean;
  /** Functions function destinations name; only processes that have it deliver such a stream. */
  functions: Record<string, LogStreamFunction>;
  /** Storages (an `ExportStorage`, e.g. S3) storage destinations name. */
  storages: Record<string, LogStreamStorage>;
  /** Events per delivered batch. Default 500. */
  batchSize: number;
  /** How often an idle stream looks for new events (streams themselves are looked for every quarter lease, 0.5–5 s). Default 500 ms. */
  pollIntervalMs: number;
  /** A delivering process's lease on a stream; renewed every third of it. Default 30 s. */
  leaseTtlMs: number;
  /** Timeout of one HTTP request. Default 10 s. */
  requestTimeoutMs: number;
  /** First retry delay; doubles each attempt (with jitter) up to `maxBackoffMs`. Default 500 ms. */
  initialBackoffMs: number;
  /** Largest retry delay without `Retry-After`. Default 60 s. */
  maxBackoffMs: number;
  /** Largest `Retry-After` honoured (a longer one waits this long). Default 10 min. */
  maxRetryAfterMs: number;
  /** Called with failures of delivery's own bookkeeping (the database). Default: a process warning. */
  onError: (error: unknown) => void;
}

/**
 * Default {@link LogStreamSettings}.
 *
 * @example
 * ```ts
 * const settings = { ...DEFAULT_LOG_STREAM_SETTINGS, deliver: true };
 * ```
 */
export const DEFAULT_LOG_STREAM_SETTINGS: LogStreamSettings = {
  deliver: false,
  functions: {},
  storages: {},
  batchSize: 500,
  pollIntervalMs: 500,
  leaseTtlMs: 30_000,
  requestTimeoutMs: 10_000,
  initialBackoffMs: 500,
  maxBackoffMs: 60_000,
  maxRetryAfterMs: 600_000,
  onError: (error) => process.emitWarning(`AuditKit log stream delivery: ${String(error)}`),
};

/**
 * The delay before retry number `attempt` (0-based): exponential, with "equal jitter" (half fixed,
 * half random), so that many streams failing at once do not retry in lockstep.
 *
 * @example
 * ```ts
 * backoffDelay(3, 500, 60_000); // between 2000 and 4000
 * ```
 */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}

const LEASE_PREFIX = 'log_stream:';

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
function pause(ms: number, signal: AbortSignal, wake?: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    wake?.then(done, done);
  });
}

/**
 * Delivers every log stream this process can reach and wins the lease of: one loop per stream,
 * reading the organization's sequence after the durable cursor, sending batches, and moving the
 * cursor only after the destination acknowledged — conditional on this process's fencing token
 * and on the cursor it read, so a process that lost its lease (or a replay) can never move it.
 */
export class LogStreamDelivery {
  readonly #holder = `${process.pid}-${randomUUID()}`;
  readonly #running = new Map<string, Promise<void>>();
  readonly #stop = new AbortController();
  /** Aborts in-flight requests: when `close` is called and their grace has run out. */
  readonly #abortRequests = new AbortController();
  #scanner: Promise<void> | undefined;
  #wake: { promise: Promise<void>; resolve: () => void } = deferred();
  readonly #registry: SinkRegistry;

  constructor(
    private readonly store: AuditStore,
    private readonly sequence: () => SequenceReader,
    private readonly settings: LogStreamSettings,
    private readonly now: () => Date,
  ) {
    this.#registry = {
      functions: settings.functions,
      storages: settings.storages,
      requestTimeoutMs: settings.requestTimeoutMs,
      maxRetryAfterMs: settings.maxRetryAfterMs,
      now,
    };
  }

  /** Starts looking for streams to deliver. */
  start(): void {
    this.#scanner ??= this.#scan();
  }

  /** New events may be there: wake idle streams now instead of at their next poll. */
  nudge(): void {
    const { resolve } = this.#wake;
    this.#wake = deferred();
    resolve();
  }

  /**
   * Stops every loop and releases the leases. A request in flight gets up to `requestTimeoutMs` to
   * be acknowledged and its cursor recorded, so that a graceful close does not make the next
   * holder send that batch again; one still unanswered then is aborted (and delivered again later).
   */
  async close(): Promise<void> {
    this.#stop.abort();
    const grace = setTimeout(() => this.#abortRequests.abort(), this.settings.requestTimeoutMs);
    try {
      await this.#scanner;
      await Promise.allSettled([...this.#running.values()]);
    } finally {
      clearTimeout(grace);
      this.#abortRequests.abort();
    }
  }

  async #scan(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        const streams = await this.store.listLogStreams({});
        for (const stream of streams) {
          if (signal.aborted) break;
          if (this.#running.has(stream.id) || !deliverable(stream)) continue;
          const destination = destinationOf(stream);
          if (!canDeliver(destination, this.#registry)) continue;
          const grant = await this.store.acquireLease({
            name: LEASE_PREFIX + stream.id,
            holder: this.#holder,
            ttlMs: this.settings.leaseTtlMs,
          });
          if (!grant) continue;
          const run = this.#deliver(stream.id, destination, grant)
            .catch((error: unknown) => this.settings.onError(error))
            .finally(() => this.#running.delete(stream.id));
          this.#running.set(stream.id, run);
        }
      } catch (error) {
        this.settings.onError(error);
      }
      // Looking for streams asks for leases (writes): far less often than a held stream polls.
      await pause(scanInterval(this.settings), signal);
    }
  }

  async #deliver(streamId: string, destination: LogStreamDestination, grant: LeaseGrant): Promise<void> {
    const { store, settings } = this;
    const token = grant.token;
    const lost = new AbortController();
    const signal = AbortSignal.any([this.#stop.signal, lost.signal]);
    // A request is not cut by close() at once: see close().
    const requestSignal = AbortSignal.any([this.#abortRequests.signal, lost.signal]);
    // The grant lasts leaseTtlMs by the database's clock; locally, count from before we asked.
    let validUntil = Date.now() + settings.leaseTtlMs - 1;
    const renewEvery = Math.max(50, Math.floor(settings.leaseTtlMs / 3));
    const renewer = (async () => {
      while (!signal.aborted) {
        await pause(renewEvery, signal);
        if (signal.aborted) return;
        const asked = Date.now();
        try {
          const renewed = await store.acquireLease({
            name: LEASE_PREFIX + streamId,
            holder: this.#holder,
            ttlMs: settings.leaseTtlMs,
          });
          if (!renewed || renewed.token !== token) return lost.abort();
          validUntil = asked + settings.leaseTtlMs - 1;
        } catch (error) {
          settings.onError(error);
          if (Date.now() >= validUntil) return lost.abort();
        }
      }
    })();
    const holding = () => !signal.aborted && Date.now() < validUntil;

    try {
      // Claim: from now on only this token moves the cursor. A newer token already there means
      // another process took over since; an equal one, that we claimed it under this grant before.
      const at = this.now();
      const claimed = await store.updateLogStream(
        streamId,
        { deliveryToken: token, updatedAt: at },
        { deliveryTokenBelow: token },
      );
      if (!claimed) {
        const current = await store.getLogStream(streamId);
        if (!current || current.deliveryToken !== token) return;
      }
      const sink = sinkFor(destination, this.#registry);
      let attempt = 0;
      while (holding()) {
        const stream = await store.getLogStream(streamId);
        if (!stream || stream.deliveryToken !== token || !deliverable(stream)) return;
        const entries = await this.sequence().readSequencedEvents({
          organizationId: stream.organizationId,
          afterPosition: stream.cursor,
          limit: settings.batchSize,
        });
        if (entries.length === 0) {
          if (stream.state === 'retrying') await this.#markActive(streamId, token);
          await pause(settings.pollIntervalMs, signal, this.#wake.promise);
          continue;
        }
        const first = entries[0]?.position ?? 0;
        const last = entries.at(-1)?.position ?? 0;
        const batch: LogStreamBatch = {
          streamId,
          organizationId: stream.organizationId,
          firstPosition: first,
          lastPosition: last,
          events: entries.map((entry) => ({ ...entry.event, position: entry.position, hash: entry.hash })),
        };
        if (!holding()) return;
        const outcome = await sink.deliver(batch, requestSignal);
        if (outcome.ok) {
          attempt = 0;
          // Acknowledged: move the cursor, only from where we read it and only under our token.
          // When that fails (a replay moved it, a newer holder claimed it) the next read decides.
          await store.updateLogStream(
            streamId,
            {
              cursor: last,
              lastSyncedAt: this.now(),
              ...(stream.state === 'retrying' ? { state: 'active' as const, lastError: null } : {}),
              updatedAt: this.now(),
            },
            { deliveryToken: token, cursor: stream.cursor },
          );
          continue;
        }
        if (signal.aborted) return;
        if (outcome.permanent) {
          await store.updateLogStream(
            streamId,
            { state: 'failing', lastError: outcome.error, updatedAt: this.now() },
            { deliveryToken: token, states: ['active', 'retrying'] },
          );
          return;
        }
        await store.updateLogStream(
          streamId,
          { state: 'retrying', lastError: outcome.error, updatedAt: this.now() },
          { deliveryToken: token, states: ['active', 'retrying'] },
        );
        const delay =
          outcome.retryAfterMs ?? backoffDelay(attempt, settings.initialBackoffMs, settings.maxBackoffMs);
        attempt += 1;
        await pause(delay, signal);
      }
    } finally {
      lost.abort();
      await renewer;
      await store
        .releaseLease(LEASE_PREFIX + streamId, this.#holder)
        .catch((error: unknown) => settings.onError(error));
    }
  }

  async #markActive(streamId: string, token: number): Promise<void> {
    await this.store.updateLogStream(
      streamId,
      { state: 'active', lastError: null, updatedAt: this.now() },
      { deliveryToken: token, states: ['retrying'] },
    );
  }
}

/** How often streams are looked for: a quarter of a lease (a dead holder's streams are taken over soon after it expires), within 0.5–5 s. */
function scanInterval(settings: LogStreamSettings): number {
  return Math.min(5_000, Math.max(settings.pollIntervalMs, 500, Math.floor(settings.leaseTtlMs / 4)));
}

function deliverable(stream: LogStreamRecord): boolean {
  return stream.state === 'active' || stream.state === 'retrying';
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
