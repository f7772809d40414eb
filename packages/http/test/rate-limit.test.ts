import { afterEach, describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../src/rate-limit.js';
import { ACME_KEY, ADMIN_KEY, rejectionOf, startApi, type TestApi } from './helpers.js';

describe('TokenBucketLimiter', () => {
  it('allows a burst, then one request per refill interval, per key', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ requestsPerSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('b').allowed).toBe(true);
    now += 499;
    expect(limiter.take('a').allowed).toBe(false);
    now += 1;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    now += 60_000;
    expect([1, 2, 3, 4].map(() => limiter.take('a').allowed)).toEqual([true, true, true, false]);
  });

  it('says how many whole seconds until the next token', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ requestsPerSecond: 0.1, burst: 1 }, () => now);
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    now += 2_500;
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 8 });
  });

  it('refuses limits that cannot work', () => {
    expect(() => new TokenBucketLimiter({ requestsPerSecond: 0 })).toThrow(/requestsPerSecond/);
    expect(() => new TokenBucketLimiter({ requestsPerSecond: 5, burst: 0.5 })).toThrow(/burst/);
  });
});

describe('rate limiting in the handler', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('answers 429 with Retry-After, which the SDK surfaces as RateLimitExceededException', async () => {
    api = await startApi({ handler: { rateLimit: { requestsPerSecond: 0.01, burst: 2 } } });
    const admin = api.workos(ADMIN_KEY);
    const targets = [{ type: 'team' }];
    await admin.auditLogs.createSchema({ action: 'a.one', targets });
    await admin.auditLogs.createSchema({ action: 'a.two', targets });
    const error = await rejectionOf(admin.auditLogs.createSchema({ action: 'a.three', targets }));
    expect(error.name).toBe('RateLimitExceededException');
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(100);
    expect((await api.auditLog.listActions()).data.map((action) => action.name)).toEqual(['a.two', 'a.one']);

    const raw = await api.call('/audit_logs/actions', { headers: { 'x-request-id': 'req_limited' } });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('100');
    expect(raw.headers.get('x-request-id')).toBe('req_limited');
    expect(await raw.json()).toEqual({
      message: 'Too many requests for this API key',
      code: 'rate_limit_exceeded',
    });

    // Each key has its own bucket.
    expect((await api.call('/audit_logs/actions', { key: ACME_KEY })).status).toBe(200);
  });
});
