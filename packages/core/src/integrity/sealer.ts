import { randomUUID } from 'node:crypto';
import type { AuditStore } from '../store.js';
import { chainEvents } from './sequence-chain.js';

/** The lease the background runs hold, so that one process of those sharing a database seals. */
export const SEALER_LEASE = 'sequence-sealer';

/**
 * When a sealer store's events get their positions (see `CreateAuditLogOptions.sequence`).
 *
 * @example
 * ```ts
 * const settings: SealerSettings = { sealDelayMs: 20, sealIntervalMs: 1000, sealBatchSize: 500 };
 * ```
 */
export interface SealerSettings {
  /** After a write of this process, seal this many ms later (writes in between share the run). Default 20. */
  sealDelayMs: number;
  /** Also seal every this many ms, for events other processes wrote. Default 1000. */
  sealIntervalMs: number;
  /** Events per `sealEvents` call. Default 500. */
  sealBatchSize: number;
}

/** Defaults of {@link SealerSettings}. */
export const DEFAULT_SEALER_SETTINGS: SealerSettings = {
  sealDelayMs: 20,
  sealIntervalMs: 1000,
  sealBatchSize: 500,
};

/**
 * Runs a sealer store's `sealEvents` (a store whose events are inserted unsealed): shortly after
 * each write of this process, every `sealIntervalMs` for writes of other processes, and on
 * demand. One run at a time per audit log. The background runs seal only while this audit log
 * holds the database lease {@link SEALER_LEASE} (renewed by each run, released at close), so of
 * the processes sharing a database one seals and the others' runs cost one lease request; a
 * process that loses the lease leaves the work to the holder. An on-demand run (`sealNow`) seals
 * whoever holds the lease: the store's compare-and-set on each organization's head keeps runs of
 * several processes from ever giving two events one position. For other stores it does nothing.
 *
 * @example
 * ```ts
 * const sealer = new SequenceSealer(store, DEFAULT_SEALER_SETTINGS, (error) => process.emitWarning(String(error)));
 * sealer.start();
 * sealer.nudge(); // after a write
 * await sealer.close();
 * ```
 */
export class SequenceSealer {
  readonly #store: AuditStore;
  readonly #settings: SealerSettings;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #interval: ReturnType<typeof setInterval> | undefined;
  #running: Promise<number> = Promise.resolve(0);
  #closed = false;
  readonly #holder = `sealer-${randomUUID()}`;
  #leased = false;
  // When the holder renews (by its own clock): once a third of the time to live is gone. A process
  // without the lease asks only on its interval runs. Asking after every write would make every
  // process's seal runs queue on the lease (a mutex on MongoDB).
  #askAfter = 0;

  constructor(store: AuditStore, settings: SealerSettings, onError: (error: unknown) => void) {
    this.#store = store;
    this.#settings = settings;
    this.#onError = onError;
  }

  get #active(): boolean {
    return this.#store.capabilities.sealer === true && typeof this.#store.sealEvents === 'function';
  }

  /** Starts the periodic run (sealer stores only); the timer never keeps the process alive. */
  start(): void {
    if (!this.#active || this.#interval) return;
    this.#interval = setInterval(() => this.#background('interval'), this.#settings.sealIntervalMs);
    this.#interval.unref?.();
    this.#background('interval');
  }

  /** Schedules a run `sealDelayMs` from now, unless one is already scheduled. */
  nudge(): void {
    if (!this.#active || this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#background('nudged');
    }, this.#settings.sealDelayMs);
    this.#timer.unref?.();
  }

  /** Seals everything unsealed now (after the run in progress); resolves with how many it sealed. */
  sealNow(): Promise<number> {
    return this.#run(undefined);
  }

  /** Stops the timers and waits for the run in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#interval);
    this.#timer = undefined;
    this.#interval = undefined;
    await this.#running.catch(() => undefined);
    // Hand the lease on at once rather than after its time to live.
    if (this.#leased) {
      this.#leased = false;
      await this.#store
        .releaseLease(SEALER_LEASE, this.#holder)
        .catch((error: unknown) => this.#onError(error));
    }
  }

  #run(leased: 'nudged' | 'interval' | undefined): Promise<number> {
    if (!this.#active) return Promise.resolve(0);
    const run = this.#running
      .catch(() => 0)
      .then(async () => {
        if (leased && (this.#closed || !(await this.#holdLease(leased)))) return 0;
        return this.#sealAll();
      });
    this.#running = run;
    return run;
  }

  async #holdLease(why: 'nudged' | 'interval'): Promise<boolean> {
    if (this.#leased && Date.now() < this.#askAfter) return true;
    if (!this.#leased && why === 'nudged') return false;
    // Three intervals: a holder that misses a run or two (a pause, a slow server) keeps the lease.
    const ttlMs = Math.max(5_000, 3 * this.#settings.sealIntervalMs);
    const asked = Date.now();
    const grant = await this.#store.acquireLease({ name: SEALER_LEASE, holder: this.#holder, ttlMs });
    this.#leased = grant !== undefined;
    this.#askAfter = asked + ttlMs / 3;
    return this.#leased;
  }

  #background(why: 'nudged' | 'interval'): void {
    if (this.#closed) return;
    this.#run(why).catch((error: unknown) => this.#onError(error));
  }

  async #sealAll(): Promise<number> {
    const seal = this.#store.sealEvents;
    if (!seal) return 0;
    let total = 0;
    for (;;) {
      const sealed = await seal.call(this.#store, chainEvents, this.#settings.sealBatchSize);
      total += sealed;
      if (sealed < this.#settings.sealBatchSize || this.#closed) return total;
    }
  }
}
