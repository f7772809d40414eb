import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { guardStore } from '../guarded-store.js';
import type { AuditStore, LeaseGrant } from '../store.js';
import type { ConformanceContext } from './context.js';

// Lease times come from the database's clock; the test servers run on this machine, so its own
// clock agrees with theirs to well within this tolerance.
const CLOCK_TOLERANCE_MS = 2_000;

/** Two stores on one database (one process and another, for persistent stores), guarded as createAuditLog does. */
async function twoStores(context: ConformanceContext): Promise<[AuditStore, AuditStore]> {
  await context.open();
  const first = guardStore(context.lastStore());
  const second = guardStore(await context.sameDatabaseStore());
  return [first, second];
}

/** Asks for `name` as `holder` until granted: the earlier grant, by the database's clock, expires. */
async function acquireOnceExpired(store: AuditStore, name: string, holder: string): Promise<LeaseGrant> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const grant = await store.acquireLease({ name, holder, ttlMs: 60_000 });
    if (grant) return grant;
    if (Date.now() > deadline) throw new Error(`lease ${name} never expired for ${holder}`);
    await sleep(50);
  }
}

export function leaseCases(context: ConformanceContext): void {
  describe('leases', () => {
    it('grants a free lease for ttlMs by the database clock, and refuses it to others while it lasts', async () => {
      const [store, other] = await twoStores(context);
      const before = Date.now();
      const grant = await store.acquireLease({ name: 'job:1', holder: 'a', ttlMs: 30_000 });
      const after = Date.now();
      expect(grant).toMatchObject({ name: 'job:1', holder: 'a' });
      expect(Number.isInteger(grant?.token) && (grant?.token ?? 0) >= 1).toBe(true);
      const expiresAt = grant?.expiresAt.getTime() ?? 0;
      expect(expiresAt).toBeGreaterThanOrEqual(before + 30_000 - CLOCK_TOLERANCE_MS);
      expect(expiresAt).toBeLessThanOrEqual(after + 30_000 + CLOCK_TOLERANCE_MS);
      expect(await other.acquireLease({ name: 'job:1', holder: 'b', ttlMs: 30_000 })).toBeUndefined();
      expect(await store.acquireLease({ name: 'job:1', holder: 'b', ttlMs: 30_000 })).toBeUndefined();
      // Another name is another lease.
      expect(await other.acquireLease({ name: 'job:2', holder: 'b', ttlMs: 30_000 })).toMatchObject({
        holder: 'b',
      });
    });

    it('grants a contended lease to exactly one of many holders racing from two stores', async () => {
      const [store, other] = await twoStores(context);
      for (const round of [1, 2, 3]) {
        const name = `race:${round}`;
        const holders = Array.from({ length: 12 }, (_, index) => `holder-${index}`);
        const grants = await Promise.all(
          holders.map((holder, index) =>
            (index % 2 === 0 ? store : other).acquireLease({ name, holder, ttlMs: 30_000 }),
          ),
        );
        const granted = grants.filter((grant): grant is LeaseGrant => grant !== undefined);
        expect(granted, `round ${round}: ${JSON.stringify(grants)}`).toHaveLength(1);
        const winner = granted[0] as LeaseGrant;
        // The winner is the holder for everyone after the race.
        const renewal = await other.acquireLease({ name, holder: winner.holder, ttlMs: 30_000 });
        expect(renewal).toMatchObject({ holder: winner.holder, token: winner.token });
      }
    });

    it('grants an expired lease to exactly one of many holders racing to take it over', async () => {
      const [store, other] = await twoStores(context);
      for (const round of [1, 2, 3]) {
        const name = `takeover-race:${round}`;
        const first = await store.acquireLease({ name, holder: 'old', ttlMs: 100 });
        // Expired by the database's clock once someone else can take it; then release it back.
        const probe = await acquireOnceExpired(other, name, 'probe');
        await other.releaseLease(name, 'probe');
        const grants = await Promise.all(
          Array.from({ length: 12 }, (_, index) =>
            (index % 2 === 0 ? store : other).acquireLease({ name, holder: `taker-${index}`, ttlMs: 30_000 }),
          ),
        );
        const granted = grants.filter((grant): grant is LeaseGrant => grant !== undefined);
        expect(granted, `round ${round}: ${JSON.stringify(grants)}`).toHaveLength(1);
        expect(granted[0]?.token).toBeGreaterThan(probe.token);
        expect(probe.token).toBeGreaterThan(first?.token ?? Number.POSITIVE_INFINITY);
      }
    });

    it('renews for its holder: a later expiry and the same token', async () => {
      const [store, other] = await twoStores(context);
      const first = await store.acquireLease({ name: 'renewed', holder: 'a', ttlMs: 5_000 });
      const renewed = await other.acquireLease({ name: 'renewed', holder: 'a', ttlMs: 60_000 });
      expect(renewed).toMatchObject({ name: 'renewed', holder: 'a', token: first?.token });
      expect(renewed?.expiresAt.getTime()).toBeGreaterThan((first?.expiresAt.getTime() ?? 0) + 30_000);
      expect(await store.acquireLease({ name: 'renewed', holder: 'b', ttlMs: 1_000 })).toBeUndefined();
    });

    it('lets another holder take an expired lease over with a larger token, and then refuses the old holder', async () => {
      const [store, other] = await twoStores(context);
      const first = await store.acquireLease({ name: 'expiring', holder: 'a', ttlMs: 300 });
      expect(first).toBeDefined();
      const taken = await acquireOnceExpired(other, 'expiring', 'b');
      expect(taken.holder).toBe('b');
      expect(taken.token).toBeGreaterThan(first?.token ?? Number.POSITIVE_INFINITY);
      expect(taken.expiresAt.getTime()).toBeGreaterThan(first?.expiresAt.getTime() ?? 0);
      // The old holder's renewal comes too late: the lease is b's now.
      expect(await store.acquireLease({ name: 'expiring', holder: 'a', ttlMs: 30_000 })).toBeUndefined();
      // And the tokens keep growing with every change of holder.
      await other.releaseLease('expiring', 'b');
      const back = await store.acquireLease({ name: 'expiring', holder: 'a', ttlMs: 30_000 });
      expect(back?.token).toBeGreaterThan(taken.token);
    });

    it('releases only for its holder; a released lease is free, and restarts with a larger token', async () => {
      const [store, other] = await twoStores(context);
      const first = await store.acquireLease({ name: 'released', holder: 'a', ttlMs: 60_000 });
      await other.releaseLease('released', 'b');
      expect(await other.acquireLease({ name: 'released', holder: 'b', ttlMs: 60_000 })).toBeUndefined();
      await other.releaseLease('released', 'a');
      const second = await other.acquireLease({ name: 'released', holder: 'b', ttlMs: 60_000 });
      expect(second).toMatchObject({ holder: 'b' });
      expect(second?.token).toBeGreaterThan(first?.token ?? Number.POSITIVE_INFINITY);
      // a no longer holds it: its release leaves b's lease alone.
      await store.releaseLease('released', 'a');
      expect(await store.acquireLease({ name: 'released', holder: 'a', ttlMs: 60_000 })).toBeUndefined();
      // The same holder after its own release starts a new lease: a larger token, not a renewal.
      await store.releaseLease('released', 'b');
      const again = await store.acquireLease({ name: 'released', holder: 'b', ttlMs: 60_000 });
      expect(again?.token).toBeGreaterThan(second?.token ?? Number.POSITIVE_INFINITY);
      // Releasing a lease nobody ever held is no error.
      await store.releaseLease('never-held', 'a');
    });
  });
}
