import { AuditKitError } from './errors.js';

/**
 * What lets `close()` keep its promise: every call admitted before `close()` finishes before the
 * store closes (a store closed under a running call can leave its promise pending forever — a
 * pg pool that is ending never serves a waiting query), and every call after it is refused with
 * `AuditKitError` code `closed`.
 *
 * @example
 * ```ts
 * const gate = new ClosingGate();
 * const stored = gate.run('createEvent', () => intake.create(orgId, [event], true));
 * await gate.close(); // waits for `stored`; later gate.run(...) calls reject with code 'closed'
 * ```
 */
export class ClosingGate {
  #closing = false;
  readonly #inFlight = new Set<Promise<unknown>>();

  /** Runs `work` unless closing has begun; `close()` waits for it. */
  run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(closedError(operation));
    let running: Promise<T>;
    try {
      running = work();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#inFlight.add(running);
    const forget = () => this.#inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** Throws (synchronously) when closing has begun: for calls that validate before they return. */
  assertOpen(operation: string): void {
    if (this.#closing) throw closedError(operation);
  }

  /**
   * A stream whose every step is a call admitted by the gate: a step running when `close()` is
   * called finishes first, and the next step after it fails with `closed` (releasing the source).
   */
  async *stream<T>(operation: string, source: AsyncIterator<T>): AsyncGenerator<T> {
    let finished = false;
    try {
      for (;;) {
        const step = await this.run(operation, () => source.next());
        if (step.done) {
          finished = true;
          return;
        }
        yield step.value;
      }
    } finally {
      // A consumer that stops early, or a step refused after close(), releases the source's
      // cursor; the store may already be closed then, which ends the cursor anyway.
      if (!finished) await source.return?.()?.catch(() => undefined);
    }
  }

  /** Refuses new calls, then resolves once every admitted call has settled. */
  async close(): Promise<void> {
    this.#closing = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}

function closedError(operation: string): AuditKitError {
  return new AuditKitError('closed', `${operation} was called after close(): this audit log is closed`);
}
