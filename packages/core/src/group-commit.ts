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
  /** The canonical text of `row` core took for its fingerprint, reused by the chain hash. */
  content: string | undefined;
  /** `row.organizationId`, read once. */
  organizationId: string;
  /** `(organizationId, idempotencyKey)`: unique within a group, as `insertEvents` requires. */
  pair: string;
  /** The caller's key as given (or the derived one), for its conflict message. */
  displayKey: string;
  resolve(outcome: GroupOutcome): void;
  reject(error: unknown): void;
}

/** How a group commit writes rows and words a caller's conflict. */
export interface GroupCommitWriter {
  /**
   * One `insertEvents` call with core's decision (the same as a `createEvents` call's);
   * `contents[i]` is the canonical text of `rows[i]` when the caller gave it.
   */
  write(rows: readonly EventRow[], contents: readonly (string | undefined)[]): Promise<InsertEventsResult>;
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
 *   as a replay of itself: ids and content are the caller's own);
 * - with `organizationsApart` (a store that links events to their organization's chain inside
 *   the write, under the organization's head row), groups written at the same time never share
 *   an organization: a second group holding one would only wait on the first one's head row
 *   until it commits, keeping a connection busy for nothing, while its other organizations'
 *   events could have gone ahead. A caller whose organization is being written waits for the
 *   next group (which then takes all of its organization's waiting callers at once).
 */
export class GroupCommit {
  readonly #writer: GroupCommitWriter;
  readonly #settings: GroupCommitSettings;
  #queue: Waiter[] = [];
  #running = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pumpPending = false;
  /** Organizations of the groups being written, when groups keep organizations apart. */
  readonly #writing: Map<string, number> | undefined;

  constructor(
    writer: GroupCommitWriter,
    settings: GroupCommitSettings,
    { organizationsApart = false }: { organizationsApart?: boolean } = {},
  ) {
    this.#writer = writer;
    this.#settings = settings;
    this.#writing = organizationsApart ? new Map() : undefined;
  }

  /**
   * Writes one row in the next group; resolves or rejects with this row's own outcome. `content`
   * is the row's canonical text when the caller has it (the chain hash then does not write it
   * again).
   */
  submit(row: EventRow, displayKey: string, content?: string): Promise<GroupOutcome> {
    return new Promise<GroupOutcome>((resolve, reject) => {
      const pair = `${row.organizationId.length}:${row.organizationId}:${row.idempotencyKey}`;
      this.#queue.push({
        row,
        content,
        organizationId: row.organizationId,
        pair,
        displayKey,
        resolve,
        reject,
      });
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
    // Nothing is being written: the calls of this turn can only be a burst made together, and
    // they reach `submit` at the same depth of the microtask queue (each call runs the same
    // steps before it), so a pump queued behind the first one's still sees them all. A lone call
    // then waits for no turn of the event loop: the turn cost it ~11 µs at p50 in
    // `bench/src/lone-overhead.ts`.
    if (this.#running === 0) this.#pumpSoon(queueMicrotask);
    else this.#pumpSoon(setImmediate);
  }

  /**
   * Pumps once the calls made now have been submitted: the calls made together (the callers a
   * finished group just resolved, which call again at once, or a burst of calls) are then split
   * over the free writes together, instead of the first one going out alone and the rest
   * waiting behind it. Resolved callers take many microtask steps to call again, so after a
   * group ends the pump waits for the turn of the event loop to end (`setImmediate`).
   */
  #pumpSoon(defer: (pump: () => void) => unknown = setImmediate): void {
    if (this.#pumpPending) return;
    this.#pumpPending = true;
    defer(() => {
      this.#pumpPending = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    let free = this.#settings.maxConcurrentWrites - this.#running;
    while (free > 0 && this.#queue.length > 0) {
      const writing = this.#writing;
      const eligible = writing
        ? this.#queue.filter((waiter) => !writing.has(waiter.organizationId)).length
        : this.#queue.length;
      // Every waiting caller's organization is being written: the next group forms when one ends.
      if (eligible === 0) return;
      // The waiting calls shared out over the free writes, so they are written side by side.
      const group = this.#takeGroup(Math.ceil(eligible / free));
      if (group.length === 0) return;
      const organizations = this.#startWriting(group);
      this.#running++;
      free--;
      void this.#commit(group).finally(() => {
        this.#running--;
        this.#endWriting(organizations);
        // With nobody waiting, the next call schedules its own pump: a pump queued now would
        // hold a lone caller's next call until the turn ends.
        if (this.#queue.length > 0) this.#pumpSoon();
      });
    }
  }

  /**
   * The oldest waiters, about `size` of them and never more than `maxEvents`, no pair twice; the
   * others keep their place. When groups keep organizations apart, whole organizations are
   * taken (oldest first, until `size` is reached), and none being written by another group.
   */
  #takeGroup(size: number): Waiter[] {
    const group: Waiter[] = [];
    const pairs = new Set<string>();
    const rest: Waiter[] = [];
    const organizations = this.#writing && this.#organizationsToTake(this.#writing, size);
    for (const waiter of this.#queue) {
      if (
        group.length < this.#settings.maxEvents &&
        !pairs.has(waiter.pair) &&
        (organizations ? organizations.has(waiter.organizationId) : group.length < size)
      ) {
        pairs.add(waiter.pair);
        group.push(waiter);
      } else {
        rest.push(waiter);
      }
    }
    this.#queue = rest;
    return group;
  }

  /** Organizations not being written, in the order their oldest caller came, until `size` callers. */
  #organizationsToTake(writing: ReadonlyMap<string, number>, size: number): Set<string> {
    const waiting = new Map<string, number>();
    for (const { organizationId } of this.#queue) {
      if (!writing.has(organizationId)) waiting.set(organizationId, (waiting.get(organizationId) ?? 0) + 1);
    }
    const organizations = new Set<string>();
    let taken = 0;
    for (const [organizationId, count] of waiting) {
      if (taken >= size) break;
      organizations.add(organizationId);
      taken += count;
    }
    return organizations;
  }

  /** Marks the group's organizations as being written (when groups keep them apart). */
  #startWriting(group: readonly Waiter[]): string[] {
    const writing = this.#writing;
    if (!writing) return [];
    const organizations = [...new Set(group.map((waiter) => waiter.organizationId))];
    for (const organizationId of organizations)
      writing.set(organizationId, (writing.get(organizationId) ?? 0) + 1);
    return organizations;
  }

  #endWriting(organizations: readonly string[]): void {
    const writing = this.#writing;
    if (!writing) return;
    for (const organizationId of organizations) {
      const count = (writing.get(organizationId) ?? 1) - 1;
      if (count > 0) writing.set(organizationId, count);
      else writing.delete(organizationId);
    }
  }

  /** Writes a group until every waiter has its outcome; never rejects. */
  async #commit(group: Waiter[]): Promise<void> {
    let pending = group;
    while (pending.length > 0) {
      let result: InsertEventsResult;
      try {
        result = await this.#writer.write(
          pending.map((waiter) => waiter.row),
          pending.map((waiter) => waiter.content),
        );
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
