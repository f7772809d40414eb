import type { AuditStore } from '../store.js';
import { chainEvents } from './sequence-chain.js';

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
 * demand. One run at a time per audit log; the store's compare-and-set on each organization's
 * head keeps runs of several processes from ever giving two events one position. For other
 * stores it does nothing.
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
    this.#interval = setInterval(() => this.#background(), this.#settings.sealIntervalMs);
    this.#interval.unref?.();
    this.#background();
  }

  /** Schedules a run `sealDelayMs` from now, unless one is already scheduled. */
  nudge(): void {
    if (!this.#active || this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#background();
    }, this.#settings.sealDelayMs);
    this.#timer.unref?.();
  }

  /** Seals everything unsealed now (after the run in progress); resolves with how many it sealed. */
  sealNow(): Promise<number> {
    if (!this.#active) return Promise.resolve(0);
    const run = this.#running.catch(() => 0).then(() => this.#sealAll());
    this.#running = run;
    return run;
  }

  /** Stops the timers and waits for the run in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#interval);
    this.#timer = undefined;
    this.#interval = undefined;
    await this.#running.catch(() => undefined);
  }

  #background(): void {
    if (this.#closed) return;
    this.sealNow().catch((error: unknown) => this.#onError(error));
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
