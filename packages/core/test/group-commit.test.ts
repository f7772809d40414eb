// Group commit's policy where a store's behaviour has to be staged: a write that is slow (so
// callers pile up behind it), a write that fails for one row only, a store bound to a caller's
// transaction. The outcomes every store must give are in the conformance suite
// (packages/core/src/testing/group-commit-cases.ts).
import { AuditKitError, type AuditLog, createAuditLog, memoryStore } from '@auditkit/core';
import type { AuditStore, EventRow } from '@auditkit/core/store';
import { declareSchemas, ORG_A, ORG_B, signInEvent } from '@auditkit/core/testing';
import { describe, expect, it } from 'vitest';

interface Staged {
  store: AuditStore;
  /** Row count of every insertEvents call, in call order (the bound store's included). */
  sizes: number[];
  /** The organizations of every insertEvents call, in call order. */
  organizations: string[][];
  /** Most insertEvents calls running at once. */
  mostAtOnce: number;
  /** Row counts of the bound (caller-transaction) store's insertEvents calls. */
  boundSizes: number[];
}

/**
 * A memory store whose insertEvents takes `delayMs`, fails when a row's metadata holds
 * `poison`, and which "joins a transaction" by writing through itself.
 */
function stagedStore(delayMs: number): Staged {
  const inner = memoryStore();
  const sizes: number[] = [];
  const boundSizes: number[] = [];
  const organizations: string[][] = [];
  let running = 0;
  const insert =
    (record: number[]): AuditStore['insertEvents'] =>
    async (rows, decide, chain) => {
      record.push(rows.length);
      organizations.push([...new Set(rows.map((row) => row.organizationId))]);
      running += 1;
      staged.mostAtOnce = Math.max(staged.mostAtOnce, running);
      try {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (rows.some((row: EventRow) => row.metadata?.poison))
          throw new Error('the driver chokes on this row');
        return await inner.insertEvents(rows, decide, chain);
      } finally {
        running -= 1;
      }
    };
  const store: AuditStore = {
    ...inner,
    name: 'staged',
    capabilities: { ...inner.capabilities, transactions: true },
    insertEvents: insert(sizes),
    withTransaction: () => ({
      ...store,
      insertEvents: insert(boundSizes),
      open: async () => {},
      close: async () => {},
    }),
  };
  const staged: Staged = { store, sizes, boundSizes, organizations, mostAtOnce: 0 };
  return staged;
}

async function openLog(staged: Staged, groupCommit?: Parameters<typeof createAuditLog>[0]['groupCommit']) {
  const log = await createAuditLog({
    store: staged.store,
    ...(groupCommit === undefined ? {} : { groupCommit }),
  });
  await declareSchemas(log);
  return log;
}

const event = (tag: string) => signInEvent({ metadata: { tag } });
const many = (log: AuditLog, count: number, prefix = 'e', organizationOf = (_i: number) => ORG_A) =>
  Promise.all(
    Array.from({ length: count }, (_, i) =>
      log.createEvent(organizationOf(i), event(`${prefix}-${i}`), { idempotencyKey: `${prefix}-${i}` }),
    ),
  );
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('writes a lone call at once, alone, and groups the calls that arrive while it is written', async () => {
    const staged = stagedStore(30);
    const log = await openLog(staged, { maxConcurrentWrites: 1 });
    const started = performance.now();
    await log.createEvent(ORG_A, event('lone'));
    // Nothing waited for a window: one write of one row.
    expect(staged.sizes).toEqual([1]);
    expect(performance.now() - started).toBeLessThan(1000);

    staged.sizes.length = 0;
    const first = log.createEvent(ORG_A, event('first'));
    // Once the first call is being written, 39 more arrive.
    await nextTurn();
    const created = await many(log, 39);
    await first;
    // The first call found nothing running and went alone; the other 39 waited for it, together.
    expect(staged.sizes).toEqual([1, 39]);
    expect(created.map((e) => e.metadata?.tag)).toEqual(Array.from({ length: 39 }, (_, i) => `e-${i}`));
    await log.close();
  });

  it('writes the calls of one turn of the event loop together, shared out over the free writes', async () => {
    const staged = stagedStore(30);
    const log = await openLog(staged, { maxConcurrentWrites: 1 });
    await many(log, 40);
    expect(staged.sizes).toEqual([40]);

    staged.sizes.length = 0;
    const two = await openLog(staged, { maxConcurrentWrites: 2 });
    // Two organizations, so the two writes do not have to keep them apart (see below).
    await many(two, 40, 'two', (i) => (i % 2 ? ORG_A : ORG_B));
    expect(staged.sizes).toEqual([20, 20]);
    await log.close();
    await two.close();
  });

  it('runs up to maxConcurrentWrites groups at once and never more than maxEvents rows in one', async () => {
    const staged = stagedStore(30);
    const log = await openLog(staged, { maxConcurrentWrites: 2, maxEvents: 10 });
    await many(log, 42, 'e', (i) => (i % 2 ? ORG_A : ORG_B));
    expect(staged.mostAtOnce).toBe(2);
    expect(Math.max(...staged.sizes)).toBe(10);
    expect(staged.sizes.reduce((a, b) => a + b, 0)).toBe(42);
    await log.close();
  });

  it('never writes one organization in two groups at once, on a store that links events as it writes them', async () => {
    // The memory store chains inside insertEvents (no sealer): a second group of the same
    // organization would wait on the first. Calls of one organization go one group at a time.
    const staged = stagedStore(30);
    const log = await openLog(staged, { maxConcurrentWrites: 2 });
    await many(log, 30);
    expect(staged.mostAtOnce).toBe(1);
    expect(staged.sizes).toEqual([30]);

    // Three organizations over two writes: each organization is in one of them, never both.
    staged.sizes.length = 0;
    staged.organizations.length = 0;
    const organizations = [ORG_A, ORG_B, 'org_c'];
    await many(log, 30, 'three', (i) => organizations[i % 3] as string);
    expect(staged.sizes.reduce((a, b) => a + b, 0)).toBe(30);
    expect(staged.organizations.slice(0, 2).flat().sort()).toEqual([...organizations].sort());
    await log.close();
  });

  it('with a window, waits for it before the first write and then writes one group', async () => {
    const staged = stagedStore(0);
    const log = await openLog(staged, { windowMs: 50 });
    await many(log, 25);
    expect(staged.sizes).toEqual([25]);
    await log.close();
  });

  it('when a group write fails, writes each caller alone: only the caller whose row fails gets the error', async () => {
    const staged = stagedStore(20);
    const log = await openLog(staged, { windowMs: 50 });
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 5 }, (_, i) => log.createEvent(ORG_A, event(`ok-${i}`))),
      log.createEvent(ORG_A, signInEvent({ metadata: { poison: true } })),
    ]);
    expect(outcomes.slice(0, 5).map((o) => o.status)).toEqual(Array(5).fill('fulfilled'));
    const failed = outcomes[5] as PromiseRejectedResult;
    expect(failed.status).toBe('rejected');
    expect(failed.reason).toBeInstanceOf(AuditKitError);
    expect((failed.reason as AuditKitError).code).toBe('storage_error');
    // The group of 6, then each of them alone.
    expect(staged.sizes).toEqual([6, 1, 1, 1, 1, 1, 1]);
    const stored = await log.listEvents({ organizationId: ORG_A });
    expect(stored.data.map((e) => e.metadata?.tag).sort()).toEqual(['ok-0', 'ok-1', 'ok-2', 'ok-3', 'ok-4']);
    await log.close();
  });

  it('never groups calls bound to a caller transaction', async () => {
    const staged = stagedStore(20);
    const log = await openLog(staged, { windowMs: 50 });
    const bound = log.withTransaction({});
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        bound.createEvent(ORG_A, event(`tx-${i}`), { idempotencyKey: `tx-${i}` }),
      ),
    );
    expect(staged.boundSizes).toEqual(Array(8).fill(1));
    expect(staged.sizes).toEqual([]);
    await log.close();
  });

  it('writes every call on its own with groupCommit: false', async () => {
    const staged = stagedStore(10);
    const log = await openLog(staged, false);
    await many(log, 12);
    expect(staged.sizes).toEqual(Array(12).fill(1));
    await log.close();
  });

  it('close() waits for the calls waiting in a group', async () => {
    const staged = stagedStore(20);
    const log = await openLog(staged, { windowMs: 100 });
    const pending = many(log, 10);
    await log.close();
    expect((await pending).length).toBe(10);
    expect(staged.sizes).toEqual([10]);
  });

  it('checks its options when createAuditLog is called', async () => {
    for (const [groupCommit, path] of [
      ['yes', 'groupCommit'],
      [{ maxEvents: 0 }, 'groupCommit.maxEvents'],
      [{ maxConcurrentWrites: 1.5 }, 'groupCommit.maxConcurrentWrites'],
      [{ windowMs: -1 }, 'groupCommit.windowMs'],
      [{ windowMS: 5 }, 'groupCommit.windowMS'],
    ] as const) {
      const error = await createAuditLog({ store: memoryStore(), groupCommit: groupCommit as never }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error, JSON.stringify(groupCommit)).toBeInstanceOf(AuditKitError);
      expect((error as AuditKitError).errors.map((detail) => detail.path)).toEqual([path]);
    }
  });
});
