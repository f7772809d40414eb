import type { SequenceHead } from '@auditkit/core/store';

/**
 * The organizations' sequence heads as this process last wrote them, so that a write can link
 * its events before it has read the head, and lock and advance the head in one statement that
 * succeeds only if the head in the database is still the one remembered (see
 * `sequenceHeadStatements().advanceFrom`). Nothing here is trusted: a remembered head that is
 * wrong (another process wrote since, or a write it continued rolled back) only makes that
 * statement miss, and the write then reads the head under its lock and links again.
 *
 * One rule keeps that statement from ever creating a head row: a head is remembered only once a
 * row with a position above 0 exists for it whatever happens to the write in flight (one that
 * was committed, or one the write continued from). The statement is an upsert, and a row it
 * finds missing would be inserted at the remembered position, leaving a gap.
 *
 * Only AuditKit's own connections use it: a caller's transaction can be rolled back after
 * AuditKit's part of it, which AuditKit never learns.
 *
 * @example
 * ```ts
 * const cache = new SequenceHeadCache();
 * const remembered = cache.headsOf(['org_1']); // undefined until a write of org_1 committed
 * ```
 */
export class SequenceHeadCache {
  readonly #heads = new Map<string, SequenceHead>();
  /** How many writes of this process are in flight per organization. */
  readonly #writing = new Map<string, number>();

  /**
   * A write of `organizations` starts; returns whether no other write of this process is in
   * flight for any of them (so a remembered head is one that committed, not one a write in
   * flight is moving to). Every call is paired with {@link endWriting}.
   */
  startWriting(organizations: Iterable<string>): boolean {
    let alone = true;
    for (const organizationId of organizations) {
      const count = this.#writing.get(organizationId) ?? 0;
      if (count > 0) alone = false;
      this.#writing.set(organizationId, count + 1);
    }
    return alone;
  }

  /** A write that {@link startWriting} counted ended (committed, rolled back or failed). */
  endWriting(organizations: Iterable<string>): void {
    for (const organizationId of organizations) {
      const count = (this.#writing.get(organizationId) ?? 1) - 1;
      if (count > 0) this.#writing.set(organizationId, count);
      else this.#writing.delete(organizationId);
    }
  }

  /** The remembered heads of all `organizations`, or `undefined` if one is not remembered. */
  headsOf(organizations: readonly string[]): Map<string, SequenceHead> | undefined {
    const heads = new Map<string, SequenceHead>();
    for (const organizationId of organizations) {
      const head = this.#heads.get(organizationId);
      if (!head) return undefined;
      heads.set(organizationId, head);
    }
    return heads;
  }

  /**
   * A write is about to advance heads from `previous` to `next`: the next write of this process
   * continues from `next` (its advance waits on this write's lock, and misses if this one rolls
   * back). Only heads whose previous position was above 0 are remembered (see the class doc).
   */
  advancing(
    previous: ReadonlyMap<string, SequenceHead | undefined>,
    next: ReadonlyMap<string, SequenceHead>,
  ) {
    for (const [organizationId, head] of next) {
      const from = previous.get(organizationId);
      if (from && from.position > 0) this.#heads.set(organizationId, head);
      else this.#heads.delete(organizationId);
    }
  }

  /** A write committed with these heads: remembered where no later write already was. */
  committed(heads: ReadonlyMap<string, SequenceHead>) {
    for (const [organizationId, head] of heads) {
      if (head.position > 0 && !this.#heads.has(organizationId)) this.#heads.set(organizationId, head);
    }
  }

  /** Nothing remembered for these organizations: their next write reads its heads under the lock. */
  forget(organizations: Iterable<string>) {
    for (const organizationId of organizations) this.#heads.delete(organizationId);
  }
}
