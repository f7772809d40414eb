import { AuditKitError } from './errors.js';
import type { AuditLogEvent } from './event-model.js';
import type { EventRow, InsertEventsResult } from './store.js';

/**
 * Group commit of single `createEvent` calls (`createAuditLog({ groupCommit })`): calls that
 * arrive while a write is running wait for it and are then written together, through one
 * `insertEvents` call of the store (one statement or transaction), each caller still getting its
 * own outcome. A call that finds nothing running is written at once, so a lone call waits for
 * nothing. `false` turns it off: every call is then its own write.
 *
 * @example
 * ```ts
 * const auditLog = await createAuditLog({
 *   store: postgresStore({ url }),
 *   groupCommit: { maxEvents: 64, maxConcurrentWrites: 2, windowMs: 0 },
 * });
 * ```
 */
export interface GroupCommitOptions {
  /** Most events in one group. Default 128 (never more than `limits.maxBatchSize`). */
  maxEvents?: number;
  /**
   * Groups written at the same time (each on its own connection, where the store has a pool).
   * A call waits for a group only when this many writes are already running. Default 2.
   */
  maxConcurrentWrites?: number;
  /**
   * Milliseconds a call that finds no write running waits for others to join its group before
   * it is written. Default 0: it is written at once, so a lone call is never delayed; calls
   * are grouped only while writes are running (each waits at most for the writes ahead of it).
   */
  windowMs?: number;
}

/** {@link GroupCommitOptions} with every default applied. */
export type GroupCommitSettings = Required<GroupCommitOptions>;

/** The defaults of {@link GroupCommitOptions}. */
export const DEFAULT_GROUP_COMMIT: Readonly<GroupCommitSettings> = Object.freeze({
  maxEvents: 128,
  maxConcurrentWrites: 2,
  windowMs: 0,
});

/** What one caller gets: its stored event (its own, or the one stored earlier under its key). */
export interface GroupOutcome {
  event: AuditLogEvent;
  replayed: boolean;
}

interface Waiter {
  row: EventRow;
  /** `(organizationId, idempotencyKey)`: unique within a group, as `insertEvents` requires. */
  pair: string;
  /** The caller's key as given (or the derived one), for its conflict message. */
  displayKey: string;
  resolve(outcome: GroupOutcome): void;
  reject(error: unknown): void;
}

/** How a group commit writes rows and words a caller's conflict. */
export interface GroupCommitWriter {
  /** One `insertEvents` call with core's decision (the same as a `createEvents` call's). */
  write(rows: readonly EventRow[]): Promise<InsertEventsResult>;
  /** The `idempotency_conflict` a lone call with this key would have received. */
  conflict(displayKey: string): AuditKitError;
}

/**
 * Collects single-event writes into groups. Policy, all in core:
 *
 * - only valid, identified rows are submitted (invalid events were rejected before);
 * - two callers with the same `(organization, key)` are never in one group: the later one waits
 *   for the next group, where the store reports the first one's event, so it gets exactly what
 *   a second sequential call would (a replay or a conflict);
 * - when the store answers `conflict` (and so stored nothing), the conflicting callers get their
 *   conflict and the others are written again, without them;
 * - when a group write fails otherwise, each of its callers is written alone, so a failure
 *   that only one row causes reaches only that caller (a row that was in fact stored comes back
 *   as a replay of itself: ids and content are the caller's own).
 */
export class GroupCommit {
  readonly #writer: GroupCommitWriter;
  readonly #settings: GroupCommitSettings;
  #queue: Waiter[] = [];
  #running = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(writer: GroupCommitWriter, settings: GroupCommitSettings) {
    this.#writer = writer;
    this.#settings = settings;
  }

  /** Writes one row in the next group; resolves or rejects with this row's own outcome. */
  submit(row: EventRow, displayKey: string): Promise<GroupOutcome> {
    return new Promise<GroupOutcome>((resolve, reject) => {
      const pair = `${row.organizationId.length}:${row.organizationId}:${row.idempotencyKey}`;
      this.#queue.push({ row, pair, displayKey, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running >= this.#settings.maxConcurrentWrites) return; // written when one ends
    if (this.#settings.windowMs > 0 && this.#queue.length < this.#settings.maxEvents) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#pump();
      }, this.#settings.windowMs);
      return;
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#running < this.#settings.maxConcurrentWrites && this.#queue.length > 0) {
      const group = this.#takeGroup();
      this.#running++;
      void this.#commit(group).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  /** The oldest waiters, at most `maxEvents`, no pair twice; the others keep their place. */
  #takeGroup(): Waiter[] {
    const group: Waiter[] = [];
    const pairs = new Set<string>();
    const rest: Waiter[] = [];
    for (const waiter of this.#queue) {
      if (group.length < this.#settings.maxEvents && !pairs.has(waiter.pair)) {
        pairs.add(waiter.pair);
        group.push(waiter);
      } else {
        rest.push(waiter);
      }
    }
    this.#queue = rest;
    return group;
  }

  /** Writes a group until every waiter has its outcome; never rejects. */
  async #commit(group: Waiter[]): Promise<void> {
    let pending = group;
    while (pending.length > 0) {
      let result: InsertEventsResult;
      try {
        result = await this.#writer.write(pending.map((waiter) => waiter.row));
      } catch (error) {
        if (pending.length === 1) {
          pending[0]?.reject(error);
          return;
        }
        for (const waiter of pending) await this.#commit([waiter]);
        return;
      }
      if (result.status === 'stored') {
        for (const [index, waiter] of pending.entries()) {
          const outcome = result.events[index];
          if (outcome) waiter.resolve(outcome);
          else waiter.reject(new AuditKitError('storage_error', 'The store returned too few events'));
        }
        return;
      }
      const conflicting = new Set(result.indexes.filter((index) => index >= 0 && index < pending.length));
      if (conflicting.size === 0) {
        // A conflict naming no row of the call: a broken store. Nobody's outcome is known.
        const error = new AuditKitError('storage_error', 'The store reported a conflict without its rows');
        for (const waiter of pending) waiter.reject(error);
        return;
      }
      const next: Waiter[] = [];
      for (const [index, waiter] of pending.entries()) {
        if (conflicting.has(index)) waiter.reject(this.#writer.conflict(waiter.displayKey));
        else next.push(waiter);
      }
      pending = next;
    }
  }
}
