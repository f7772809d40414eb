import { invalidOption } from './handler-options.js';

/**
 * Requests allowed per API key: a token bucket refilled at `requestsPerSecond`, holding at most
 * `burst` tokens (default: one second's worth, at least 1).
 *
 * @example
 * ```ts
 * createAuditLogHandler({ auditLog, apiKeys, rateLimit: { requestsPerSecond: 50, burst: 200 } });
 * ```
 */
export interface RateLimitOptions {
  requestsPerSecond: number;
  burst?: number;
}

/** The outcome of {@link TokenBucketLimiter.take}. */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets kept before idle ones (refilled to capacity, so equal to a new one) are dropped. */
const SWEEP_ABOVE_BUCKETS = 10_000;

/**
 * In-memory token buckets, one per key (an API key's name, or a download link's export). A
 * bucket that has refilled to capacity is the same as a new one, so such buckets are dropped
 * once there are many: memory stays bounded however many links are used. Each process counts
 * on its own: behind a load balancer the effective limit is the per-process limit times the
 * number of processes.
 */
export class TokenBucketLimiter {
  readonly #rate: number;
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  /** `now` returns milliseconds on a monotonic clock; tests pass their own. */
  constructor(options: RateLimitOptions, now: () => number = () => performance.now()) {
    const { requestsPerSecond, burst = Math.max(1, requestsPerSecond) } = options;
    if (!(Number.isFinite(requestsPerSecond) && requestsPerSecond > 0)) {
      throw invalidOption('rateLimit.requestsPerSecond', 'invalid_value', 'must be a positive number');
    }
    if (!(Number.isFinite(burst) && burst >= 1)) {
      throw invalidOption('rateLimit.burst', 'too_small', 'must be a number of at least 1');
    }
    this.#rate = requestsPerSecond / 1000;
    this.#capacity = burst;
    this.#now = now;
  }

  /** Takes one token from `key`'s bucket, or says how long until one is available. */
  take(key: string): RateLimitDecision {
    const now = this.#now();
    if (this.#buckets.size >= SWEEP_ABOVE_BUCKETS && !this.#buckets.has(key)) this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, updatedAt: now };
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.updatedAt) * this.#rate);
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitMs = (1 - bucket.tokens) / this.#rate;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** How many buckets are held (for tests of the memory bound). */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.#rate >= this.#capacity) this.#buckets.delete(key);
    }
  }
}
